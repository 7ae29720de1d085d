package io.labelcurve.activities.embed;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * {@code manifest.json} under an embeddings prefix, written last: when it is there and matches,
 * every shard is there. Later calls read it to know that everything is cached.
 *
 * @param model catalog model id
 * @param modelDigest {@link io.labelcurve.activities.model.ModelCatalog#digest the model's digest}
 * @param datasetDigest the dataset's content digest
 * @param split the manifest split
 * @param preprocessing {@link io.labelcurve.activities.model.ModelSpec#preprocessing()}
 * @param count rows over all shards
 * @param dim embedding size
 * @param shardSize ids per shard (the last one may hold fewer)
 * @param shards number of shards {@code part-00000} …
 * @param idsSha256 SHA-256 of the ids in order, each followed by {@code \n}
 * @param params the encoder's parameter count
 * @param shardSha256 SHA-256 of each {@code part-NNNNN.npy}, in shard order: a shard whose bytes
 *     differ (truncated, overwritten) is never used; null in manifests written before it
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EmbeddingManifest(
    String model,
    String modelDigest,
    String datasetDigest,
    String split,
    String preprocessing,
    int count,
    int dim,
    int shardSize,
    int shards,
    String idsSha256,
    long params,
    java.util.List<String> shardSha256) {}
