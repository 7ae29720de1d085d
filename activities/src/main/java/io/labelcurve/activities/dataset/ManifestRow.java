package io.labelcurve.activities.dataset;

/**
 * One image of a dataset manifest.
 *
 * @param rowNumber the line where this row starts in the manifest file (the header is row 1), for
 *     messages
 * @param image the image's path relative to the manifest's folder, normalised ({@code /} separated,
 *     no {@code .} or {@code ..} segments); also the image's id
 * @param label the class
 * @param sequence the sequence (clip) the frame belongs to, unique across the whole dataset (not
 *     only within a patient); sequence sampling, sequence-level accuracy and the leakage check
 *     group by it
 * @param split the split, e.g. {@code train}, {@code T1}
 * @param frame the frame's index in its sequence, or null when the manifest has no {@code frame}
 * @param patient the patient, or null; used to detect leakage between splits
 * @param site the acquisition site (hospital, scanner), or null
 */
public record ManifestRow(
    int rowNumber,
    String image,
    String label,
    String sequence,
    String split,
    Integer frame,
    String patient,
    String site) {}
