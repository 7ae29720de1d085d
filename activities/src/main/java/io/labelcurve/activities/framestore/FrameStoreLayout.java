package io.labelcurve.activities.framestore;

import java.util.Locale;

/**
 * Where a dataset's frame store is in the bucket: {@code frames/{datasetDigest}/}, beside {@code
 * datasets/} and {@code embeddings/}, holding {@code index.json} ({@link FrameIndex}) and per shard
 * {@code shard-NNNNN.npy} ({@link FrameShardFile}) then {@code shard-NNNNN.npy.sha256} (hex SHA-256
 * of the npy, written after it: a shard without it is not there). Keyed by the dataset digest, so
 * every model, preset and sweep over the same images uses the same frames. See docs/FRAMESTORE.md.
 */
public final class FrameStoreLayout {
  /** Frames per shard: 16 MiB of 256×256 frames, one GET each. */
  public static final int DEFAULT_SHARD_SIZE = 256;

  public static final String INDEX = "index.json";

  private FrameStoreLayout() {}

  /** {@code frames/{datasetDigest}/}. */
  public static String prefix(String datasetDigest) {
    if (datasetDigest == null || datasetDigest.isEmpty() || datasetDigest.contains("/")) {
      throw new IllegalArgumentException("not a dataset digest: '" + datasetDigest + "'");
    }
    return "frames/" + datasetDigest + "/";
  }

  public static String indexKey(String datasetDigest) {
    return prefix(datasetDigest) + INDEX;
  }

  public static String shardKey(String datasetDigest, int shard) {
    return prefix(datasetDigest) + String.format(Locale.ROOT, "shard-%05d.npy", shard);
  }

  public static String shaKey(String datasetDigest, int shard) {
    return shardKey(datasetDigest, shard) + ".sha256";
  }
}
