package io.labelcurve.activities.importer;

/**
 * One written frame.
 *
 * @param frame the frame's index in its source sequence
 * @param image the PNG's path relative to the output folder
 */
record FrameRow(int frame, String image) {}
