package io.labelcurve.activities.importer;

import java.nio.file.Path;
import java.util.List;

/**
 * One sequence to import: a DICOM file, a video, or one or more images.
 *
 * @param kind what the files are
 * @param key identifies the unit across runs (source as given, then the path below it); never
 *     written in clear
 * @param root the source folder the unit was found in (or the file's folder for a file source)
 * @param files the unit's files, in frame order
 * @param relative the first file's path below {@code root}, '/'-separated
 * @param folderLabel the label from the folder layout ({@code ROOT/label/…}), or null
 */
record WorkUnit(
    Kind kind, String key, Path root, List<Path> files, String relative, String folderLabel) {
  enum Kind {
    DICOM,
    VIDEO,
    IMAGES
  }

  /** The first file, the one named in messages. */
  Path file() {
    return files.get(0);
  }
}
