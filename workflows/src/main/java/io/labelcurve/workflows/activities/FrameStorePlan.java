package io.labelcurve.workflows.activities;

/**
 * A dataset's frame store as planned: small, it travels in workflow history.
 *
 * @param prefix the store's key prefix, {@code frames/{datasetDigest}/}
 * @param frames frames in all (distinct images of the manifest)
 * @param shards shards to build, {@code 0 .. shards - 1}
 */
public record FrameStorePlan(String prefix, int frames, int shards) {}
