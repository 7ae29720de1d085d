package io.labelcurve.activities.importer;

import java.util.List;

/**
 * What importing one unit produced, all identifiers already pseudonymised.
 *
 * @param sequence the sequence id
 * @param frames the written frames
 * @param patient the patient pseudonym from the DICOM header, or null
 * @param site the site pseudonym from the DICOM header, or null
 * @param sopInstance the SOP Instance UID's pseudonym (DICOM), or null; for labels given by UID
 * @param seriesInstance the Series Instance UID's pseudonym (DICOM), or null
 * @param sourceFrames the frames the source holds (before selection)
 * @param instanceNumber the DICOM Instance Number, or null; orders single-frame files of one series
 * @param resumed true when a previous run had already imported it with the same settings
 */
record UnitResult(
    String sequence,
    List<FrameRow> frames,
    String patient,
    String site,
    String sopInstance,
    String seriesInstance,
    int sourceFrames,
    Integer instanceNumber,
    boolean resumed) {
  UnitResult asResumed() {
    return new UnitResult(
        sequence,
        frames,
        patient,
        site,
        sopInstance,
        seriesInstance,
        sourceFrames,
        instanceNumber,
        true);
  }
}
