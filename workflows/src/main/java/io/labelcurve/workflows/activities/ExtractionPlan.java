package io.labelcurve.workflows.activities;

/**
 * How one split is extracted ({@link ExtractionActivities#planExtraction}).
 *
 * @param prefix bucket key prefix of the set, ending in {@code /}
 * @param images rows of the set (the training pool's variants included)
 * @param shardSize images per shard, the planning worker's: every range uses it
 * @param shards number of shards
 * @param cached the finished set when it is in the cache (nothing to extract), else null
 */
public record ExtractionPlan(
    String prefix, int images, int shardSize, int shards, EmbeddingSet cached) {}
