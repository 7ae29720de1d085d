package io.labelcurve.workflows.activities;

/**
 * Where the embeddings of one (model, dataset, split) are, and how they came to be.
 *
 * @param prefix bucket key prefix of the shards, ending in {@code /}
 * @param model catalog model id
 * @param split manifest split
 * @param images number of embedded images (rows over all shards)
 * @param shards number of {@code part-NNNNN.npy} shards
 * @param dim embedding dimension
 * @param computed images embedded by this call
 * @param fromCache images found already in the cache
 * @param params parameter count of the encoder
 * @param inferMsPerImage measured encoder time per image (0 when everything came from cache)
 * @param numerics the engine, its numerics setting, the CPU and the numerics canary's result of the
 *     worker that computed the vectors (null in results from before it was recorded)
 */
public record EmbeddingSet(
    String prefix,
    String model,
    String split,
    int images,
    int shards,
    int dim,
    int computed,
    int fromCache,
    long params,
    double inferMsPerImage,
    String numerics) {}
