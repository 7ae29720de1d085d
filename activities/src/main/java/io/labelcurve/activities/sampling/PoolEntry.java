package io.labelcurve.activities.sampling;

/**
 * One image of the training pool: an original frame or one of its augmented variants.
 *
 * @param id the image id ({@code path} or {@code path#vK}) that {@code ImageLoader} and the
 *     embedding cache use
 * @param classIndex the label's index in the sweep's class list
 * @param sequence the sequence the frame belongs to
 * @param path the original frame's path in the manifest
 * @param variant 0 for the original, 1..4 for its variants
 */
public record PoolEntry(String id, int classIndex, String sequence, String path, int variant) {}
