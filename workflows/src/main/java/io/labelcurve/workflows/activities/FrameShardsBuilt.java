package io.labelcurve.workflows.activities;

/**
 * What one range build did.
 *
 * @param fromShard first shard of the range
 * @param toShard one past its last
 * @param built shards decoded and stored now
 * @param alreadyStored shards found stored (an earlier attempt or sweep)
 * @param frames frames decoded now
 */
public record FrameShardsBuilt(
    int fromShard, int toShard, int built, int alreadyStored, int frames) {}
