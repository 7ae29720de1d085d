package io.labelcurve.workflows.activities;

/**
 * Shards {@code [fromShard, toShard)} of a dataset's frame store.
 *
 * @param dataset the dataset
 * @param fromShard first shard, inclusive
 * @param toShard last shard, exclusive
 */
public record FrameShardRange(FrameStoreRequest dataset, int fromShard, int toShard) {}
