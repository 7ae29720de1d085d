package io.labelcurve.workflows.activities;

/**
 * One range of shards of a planned split: bounded whatever the split's size (no ids travel; the
 * worker derives them from the manifest, as the planner did).
 *
 * @param embed what the split is
 * @param prefix the plan's prefix: a worker whose engine would key the vectors elsewhere refuses
 * @param shardSize the plan's shard size
 * @param fromShard first shard of the range
 * @param toShard one past the last shard of the range
 */
public record RangeRequest(
    EmbedRequest embed, String prefix, int shardSize, int fromShard, int toShard) {}
