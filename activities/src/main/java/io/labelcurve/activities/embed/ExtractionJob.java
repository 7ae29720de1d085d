package io.labelcurve.activities.embed;

import io.labelcurve.activities.image.ImageLoader;
import io.labelcurve.activities.storage.BlobStore;
import java.util.List;
import java.util.Objects;

/**
 * One extraction: embed {@code ids} in order into shards under {@code prefix}.
 *
 * @param ids image ids, in the order of the rows (the order decides the shards)
 * @param loader gives each id's 256×256 grey image (called from several threads)
 * @param preprocessor the model's preprocessing
 * @param encoder the model
 * @param store the bucket
 * @param prefix key prefix, ending in {@code /}: {@link EmbeddingExtractor#prefix}
 * @param model catalog model id (for the manifest)
 * @param modelDigest the model's digest (for the manifest)
 * @param datasetDigest the dataset's digest (for the manifest)
 * @param split the split (for the manifest)
 * @param shardSize ids per shard
 * @param batchSize images per encoder call
 * @param decodeThreads threads that load and preprocess images, ahead of the encoder
 * @param resumeAfterShard shards up to and including it were stored by an earlier attempt (its last
 *     heartbeat); -1 when starting afresh. Shards are still checked to be there.
 * @param listener progress, for heartbeats
 * @param fromShard first shard this job computes (0 for a whole split)
 * @param toShard one past the last shard it computes ({@link #shards()} for a whole split); only a
 *     job over every shard writes the set's manifest: the ranges of a fanned-out extraction leave
 *     that to {@link EmbeddingExtractor#finish}
 */
public record ExtractionJob(
    List<String> ids,
    ImageLoader loader,
    Preprocessor preprocessor,
    Encoder encoder,
    BlobStore store,
    String prefix,
    String model,
    String modelDigest,
    String datasetDigest,
    String split,
    int shardSize,
    int batchSize,
    int decodeThreads,
    int resumeAfterShard,
    ShardListener listener,
    int fromShard,
    int toShard) {

  public static final int DEFAULT_SHARD_SIZE = 1024;
  public static final int DEFAULT_BATCH_SIZE = 32;

  public ExtractionJob {
    ids = List.copyOf(ids);
    Objects.requireNonNull(loader, "loader");
    Objects.requireNonNull(preprocessor, "preprocessor");
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(prefix, "prefix");
    if (!prefix.endsWith("/")) {
      throw new IllegalArgumentException("prefix must end in '/': " + prefix);
    }
    if (shardSize < 1 || batchSize < 1 || decodeThreads < 1) {
      throw new IllegalArgumentException("shardSize, batchSize and decodeThreads must be >= 1");
    }
    if (preprocessor.length()
        != encoder.spec().input().channels()
            * encoder.spec().input().size()
            * encoder.spec().input().size()) {
      throw new IllegalArgumentException("preprocessor and encoder disagree on the input size");
    }
    listener = listener == null ? ShardListener.NONE : listener;
    int shards = (ids.size() + shardSize - 1) / shardSize;
    if (toShard < 0) {
      toShard = shards;
    }
    if (fromShard < 0 || fromShard > toShard || toShard > shards) {
      throw new IllegalArgumentException(
          "shard range [" + fromShard + ", " + toShard + ") outside [0, " + shards + ")");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Number of shards. */
  public int shards() {
    return (ids.size() + shardSize - 1) / shardSize;
  }

  /** Whether this job computes every shard of its ids (and writes the manifest). */
  public boolean whole() {
    return fromShard == 0 && toShard == shards();
  }

  /** Builds a job; defaults: shards of 1024, batches of 32, 2 decoding threads, no resume. */
  public static final class Builder {
    private List<String> ids;
    private ImageLoader loader;
    private Preprocessor preprocessor;
    private Encoder encoder;
    private BlobStore store;
    private String prefix;
    private String model;
    private String modelDigest;
    private String datasetDigest;
    private String split;
    private int shardSize = DEFAULT_SHARD_SIZE;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int decodeThreads = 2;
    private int resumeAfterShard = -1;
    private ShardListener listener = ShardListener.NONE;
    private int fromShard;
    private int toShard = -1;

    public Builder ids(List<String> v) {
      ids = v;
      return this;
    }

    public Builder loader(ImageLoader v) {
      loader = v;
      return this;
    }

    /** The encoder, and its spec's {@link Preprocessor} unless one is set. */
    public Builder encoder(Encoder v) {
      encoder = v;
      if (preprocessor == null) {
        preprocessor = new Preprocessor(v.spec());
      }
      if (model == null) {
        model = v.spec().id();
      }
      return this;
    }

    public Builder preprocessor(Preprocessor v) {
      preprocessor = v;
      return this;
    }

    public Builder store(BlobStore v) {
      store = v;
      return this;
    }

    public Builder prefix(String v) {
      prefix = v;
      return this;
    }

    /** Manifest fields: model id, model digest, dataset digest, split. */
    public Builder provenance(
        String modelId, String modelDigest, String datasetDigest, String split) {
      this.model = modelId;
      this.modelDigest = modelDigest;
      this.datasetDigest = datasetDigest;
      this.split = split;
      return this;
    }

    public Builder shardSize(int v) {
      shardSize = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder decodeThreads(int v) {
      decodeThreads = v;
      return this;
    }

    public Builder resumeAfterShard(int v) {
      resumeAfterShard = v;
      return this;
    }

    public Builder listener(ShardListener v) {
      listener = v;
      return this;
    }

    /** Only shards {@code [from, to)}: one range of a fanned-out extraction. Default: all. */
    public Builder shardRange(int from, int to) {
      fromShard = from;
      toShard = to;
      return this;
    }

    public ExtractionJob build() {
      return new ExtractionJob(
          ids,
          loader,
          preprocessor,
          encoder,
          store,
          prefix,
          model,
          modelDigest,
          datasetDigest,
          split,
          shardSize,
          batchSize,
          decodeThreads,
          resumeAfterShard,
          listener,
          fromShard,
          toShard);
    }
  }
}
