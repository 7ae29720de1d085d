package io.labelcurve.activities.adapter;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.embed.DevicePool;
import io.labelcurve.activities.embed.EmbedProgress;
import io.labelcurve.activities.embed.EmbeddingExtractor;
import io.labelcurve.activities.embed.EmbeddingManifest;
import io.labelcurve.activities.embed.Encoder;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.embed.ExtractionJob;
import io.labelcurve.activities.embed.ExtractionResult;
import io.labelcurve.activities.embed.LatencyBench;
import io.labelcurve.activities.embed.NumericsCanary;
import io.labelcurve.activities.embed.ShardListener;
import io.labelcurve.activities.framestore.FrameImages;
import io.labelcurve.activities.image.Augmentation;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.BackgroundHeartbeat;
import io.labelcurve.activities.runtime.Failures;
import io.labelcurve.activities.runtime.WorkerShutdowns;
import io.labelcurve.activities.sampling.PoolEntry;
import io.labelcurve.activities.sampling.TrainingPool;
import io.labelcurve.activities.torch.TorchRuntime;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.EmbeddingActivities;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityWorkerShutdownException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** See {@link EmbeddingActivities}. */
public final class EmbeddingActivitiesImpl implements EmbeddingActivities {
  private static final Logger log = LoggerFactory.getLogger(EmbeddingActivitiesImpl.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Encoder timing of a cached set, so that a cell served from cache still reports a speed. */
  static final String TIMING = "timing.json";

  /** System property for the shard size (set by {@code labelcurve worker --shard-size}). */
  public static final String SHARD_SIZE_PROPERTY = "labelcurve.embed.shardSize";

  /** Environment variable for the shard size, when the system property is not set. */
  public static final String SHARD_SIZE_ENV = "LABELCURVE_EMBED_SHARD_SIZE";

  private final ActivityContext context;
  private final Manifests manifests;
  private final DevicePool devices;
  private final int shardSize;

  /**
   * Shards of {@link #configuredShardSize()} images.
   *
   * @param device the device every extraction runs on; null: the engine's GPUs, one per running
   *     activity ({@link DevicePool#detect}), or the CPU when there is none
   */
  public EmbeddingActivitiesImpl(ActivityContext context, Manifests manifests, Device device) {
    this(
        context,
        manifests,
        device == null ? null : DevicePool.shared(device),
        configuredShardSize());
  }

  /**
   * @param shardSize images per shard: what a killed worker loses at most, and one object in the
   *     bucket. Part of what a cached set must match (its manifest records it): a worker with
   *     another shard size computes the set again under the same prefix.
   */
  public EmbeddingActivitiesImpl(
      ActivityContext context, Manifests manifests, DevicePool devices, int shardSize) {
    if (shardSize < 1) {
      throw new IllegalArgumentException("shard size must be >= 1, got " + shardSize);
    }
    this.context = context;
    this.manifests = manifests;
    this.devices = devices;
    this.shardSize = shardSize;
  }

  /**
   * The shard size from the system property {@value #SHARD_SIZE_PROPERTY}, else the environment
   * variable {@value #SHARD_SIZE_ENV}, else {@link ExtractionJob#DEFAULT_SHARD_SIZE}.
   */
  public static int configuredShardSize() {
    String v = System.getProperty(SHARD_SIZE_PROPERTY, System.getenv(SHARD_SIZE_ENV));
    if (v == null || v.isBlank()) {
      return ExtractionJob.DEFAULT_SHARD_SIZE;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new BadInputException(
        SHARD_SIZE_PROPERTY
            + " / "
            + SHARD_SIZE_ENV
            + " is '"
            + v
            + "'; expected a positive integer (images per embedding shard)");
  }

  public int shardSize() {
    return shardSize;
  }

  /**
   * Encoder speed recorded next to a set of embeddings, and the numerics it was computed under
   * (engine, oneDNN setting, CPU, the canary's result), so that a cell served from cache still
   * reports both.
   */
  record Timing(
      double inferMsPerImage,
      double imagesPerSecond,
      long params,
      String device,
      String numerics) {}

  /**
   * {@inheritDoc}
   *
   * <p>When the worker drains, the next heartbeat (after every batch) throws {@code
   * ActivityWorkerShutdownException}: the attempt ends there with a retryable {@link
   * WorkerShutdowns#failure}, its last heartbeat naming the last finished shard, so that the retry
   * starts at once elsewhere and loses at most the shard in progress.
   */
  @Override
  public EmbeddingSet embed(EmbedRequest request) {
    return Failures.call(
        () -> {
          try {
            return run(request);
          } catch (ActivityWorkerShutdownException e) {
            log.info(
                "{} {}: worker shutting down; the retry resumes after the last finished shard",
                request.model(),
                request.split());
            throw WorkerShutdowns.failure(
                "worker shutting down: extraction of "
                    + request.model()
                    + " "
                    + request.split()
                    + " stopped between batches; the retry resumes after the"
                    + " last finished shard",
                e);
          }
        });
  }

  /** The ids a split embeds with the default variants, in the order their shards hold them. */
  public static List<String> idsOf(Manifest manifest, String split, boolean withVariants) {
    return idsOf(manifest, split, withVariants, Augmentation.DEFAULT);
  }

  /**
   * The ids a split embeds, in the canonical order their shards hold them: a training pool's (with
   * {@code withVariants}) in {@link TrainingPool}'s order, its variants as {@code augmentation} has
   * them (none for {@code augmentation: none}); a test split's sorted.
   */
  public static List<String> idsOf(
      Manifest manifest, String split, boolean withVariants, Augmentation augmentation) {
    if (withVariants) {
      return TrainingPool.of(manifest, split, manifest.classes(), augmentation.hasVariants())
          .entries()
          .stream()
          .map(PoolEntry::id)
          .toList();
    }
    return manifest.rowsOf(split).stream().map(ManifestRow::image).sorted().toList();
  }

  /**
   * Where a request's vectors are cached. Vectors of another engine version or oneDNN setting are
   * never reused (issue 12); nor a training pool's variants made with other magnitudes: a
   * non-default augmentation adds {@code @aug-…} / {@code @noaug} to the split segment, the default
   * keeps the plain split (the keys of caches written before augmentation could be chosen). Test
   * splits hold no variants and are shared by every augmentation.
   */
  public static String prefix(
      String modelKey, String engineTag, EmbedRequest request, Augmentation augmentation) {
    return EmbeddingExtractor.prefix(
        modelKey,
        engineTag,
        request.datasetDigest(),
        request.withVariants() ? augmentation.cacheSplit(request.split()) : request.split());
  }

  private EmbeddingSet run(EmbedRequest request) throws IOException {
    ModelSpec spec = Preset.named(request.preset()).apply(context.catalog().get(request.model()));
    Preset preset = Preset.named(request.preset());
    Manifest manifest = manifests.read(request.manifestUri());
    Augmentation augmentation;
    try {
      augmentation = Augmentation.of(request.augmentation());
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    List<String> ids = idsOf(manifest, request.split(), request.withVariants(), augmentation);
    String modelKey = context.catalog().modelKey(spec);
    String prefix = prefix(modelKey, TorchRuntime.numerics().cacheTag(), request, augmentation);

    // Everything cached: answer without loading the model at all.
    Optional<EmbeddingManifest> cached =
        EmbeddingExtractor.complete(context.store(), prefix, ids, spec.embeddingDim(), shardSize);
    if (cached.isPresent()) {
      context.metrics().embeddingsFromCache(request.model(), ids.size());
      Timing timing = readTiming(prefix);
      log.info("{} {}: {} embeddings from cache", request.model(), request.split(), ids.size());
      if (request.withVariants()) {
        latencyFromCache(spec, context.catalog().modelKey(request.model()), preset);
      }
      return new EmbeddingSet(
          prefix,
          request.model(),
          request.split(),
          ids.size(),
          cached.get().shards(),
          cached.get().dim(),
          0,
          ids.size(),
          cached.get().params(),
          timing == null ? 0 : timing.inferMsPerImage(),
          timing == null ? null : timing.numerics());
    }

    ActivityExecutionContext activity = Activity.getExecutionContext();
    // The previous attempt's heartbeat says which shards it finished; resume behind them.
    int resumeAfter =
        activity
            .getHeartbeatDetails(EmbedProgress.class)
            .map(EmbedProgress::shardsDoneThrough)
            .orElse(-1);
    if (resumeAfter >= 0) {
      log.info("{} {}: resuming after shard {}", request.model(), request.split(), resumeAfter);
    }
    String manifestKey = manifests.keyOf(request.manifestUri());
    ExtractionResult result;
    DevicePool pool = devicePool();
    Device device = acquire(pool);
    NumericsCanary.Report canary;
    // Fetching and loading the model reports no position of its own: heartbeat the resume
    // position meanwhile, so that a remote model's download is not cut off by the timeout.
    try (Encoder encoder =
        BackgroundHeartbeat.during(
            resumeAfter, () -> Encoders.open(context.catalog(), spec, device))) {
      // Before the first real batch: are this worker's numbers right at this batch size?
      canary =
          NumericsCanary.verify(
              encoder,
              context.catalog().folder(spec.id()),
              preset.batchSize(),
              String.valueOf(device),
              () -> activity.heartbeat(resumeAfter));
      ExtractionJob job =
          ExtractionJob.builder()
              .ids(ids)
              // Frames from the dataset's frame store (decoded once per dataset, before the models
              // start); the image files only when the store is not complete.
              .loader(
                  FrameImages.forDataset(
                      context.store(),
                      request.datasetDigest(),
                      BlobImageSource.besides(context.store(), manifestKey),
                      augmentation))
              .encoder(encoder)
              .store(context.store())
              .prefix(prefix)
              .provenance(
                  request.model(),
                  context.catalog().digest(spec),
                  request.datasetDigest(),
                  request.split())
              .shardSize(shardSize)
              .batchSize(preset.batchSize())
              .resumeAfterShard(resumeAfter)
              .listener(
                  new ShardListener() {
                    // The counts of the last batch travel with the position, for the CLI's progress
                    // line.
                    private EmbedProgress counts = EmbedProgress.atShard(resumeAfter);

                    /**
                     * When the extraction proper began (the first onProgress, before any batch).
                     */
                    private long startNanos = -1;

                    @Override
                    public void onProgress(int imagesDone, int images, int computed) {
                      long now = System.nanoTime();
                      startNanos = startNanos < 0 ? now : startNanos;
                      counts =
                          new EmbedProgress(
                              counts.shardsDoneThrough(),
                              imagesDone,
                              images,
                              computed,
                              (now - startNanos) / 1e9);
                    }

                    @Override
                    public void onShardDone(int doneThrough) {
                      activity.heartbeat(at(doneThrough));
                    }

                    // Also after every batch (same position), so that the heartbeat timeout need
                    // only
                    // cover one batch, not a whole shard (Temporal throttles what it sends).
                    @Override
                    public void onBatchDone(int doneThrough) {
                      activity.heartbeat(at(doneThrough));
                    }

                    private EmbedProgress at(int doneThrough) {
                      counts =
                          new EmbedProgress(
                              doneThrough,
                              counts.imagesDone(),
                              counts.images(),
                              counts.computed(),
                              counts.seconds());
                      return counts;
                    }

                    @Override
                    public void onImagesEmbedded(int images) {
                      context.metrics().imagesEmbedded(request.model(), images);
                    }
                  })
              .build();
      result = EmbeddingExtractor.run(job);
      if (request.withVariants()) {
        measureLatency(
            encoder,
            context.catalog().modelKey(request.model()),
            String.valueOf(device),
            preset,
            () -> activity.heartbeat(resumeAfter));
      }
    } finally {
      pool.release(device);
    }
    context.metrics().embeddingsFromCache(request.model(), result.fromCache());
    context.metrics().embedRate(request.model(), result.imagesPerSecond());
    Timing timing =
        result.computed() > 0
            ? new Timing(
                result.inferMsPerImage(),
                result.imagesPerSecond(),
                result.params(),
                String.valueOf(device),
                canary.provenance())
            : readTiming(prefix);
    if (result.computed() > 0) {
      context.store().put(prefix + TIMING, JSON.writeValueAsBytes(timing));
    }
    log.info(
        "{} {}: {} computed ({} img/s), {} from cache",
        request.model(),
        request.split(),
        result.computed(),
        String.format("%.1f", result.imagesPerSecond()),
        result.fromCache());
    return new EmbeddingSet(
        prefix,
        request.model(),
        request.split(),
        result.count(),
        result.shards(),
        result.dim(),
        result.computed(),
        result.fromCache(),
        result.params(),
        timing == null ? 0 : timing.inferMsPerImage(),
        timing == null ? canary.provenance() : timing.numerics());
  }

  /**
   * Figure 5's dedicated latency measurement ({@link LatencyBench}), once per model, engine, device
   * and input size, by the training pool's extraction (one per model and sweep; the test splits'
   * would measure the same thing). A failed measurement is logged, not fatal: the embeddings are
   * what the sweep needs.
   *
   * @param modelKey the catalog's key of the model, as {@code spec.json}'s {@code model_keys} has
   *     it (the report finds the measurement by it); the input size is in the file name
   */
  private void measureLatency(
      Encoder encoder, String modelKey, String device, Preset preset, Runnable beat) {
    String engine = TorchRuntime.numerics().cacheTag();
    String key = LatencyBench.key(modelKey, engine, device, encoder.spec().input().size());
    try {
      if (!LatencyBench.measured(context.store(), key)) {
        LatencyBench.Result r =
            LatencyBench.measureAndStore(
                context.store(), key, encoder, modelKey, device, engine, preset.batchSize(), beat);
        log.info("{} latency on {}: {}", encoder.spec().id(), device, r.timings());
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ActivityWorkerShutdownException shutdown) {
        throw shutdown;
      }
      log.warn("{}: latency measurement failed: {}", encoder.spec().id(), e.toString());
    }
  }

  /** A device of the pool for this activity; waits while every GPU is taken. */
  private static Device acquire(DevicePool pool) throws java.io.InterruptedIOException {
    try {
      return pool.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for a device");
    }
  }

  /**
   * The measurement for a model whose embeddings all came from cache, when this device has none.
   */
  private void latencyFromCache(ModelSpec spec, String modelKey, Preset preset) throws IOException {
    DevicePool pool = devicePool();
    Device device = acquire(pool);
    try {
      String key =
          LatencyBench.key(
              modelKey,
              TorchRuntime.numerics().cacheTag(),
              String.valueOf(device),
              spec.input().size());
      if (LatencyBench.measured(context.store(), key)) {
        return;
      }
      ActivityExecutionContext activity = Activity.getExecutionContext();
      try (Encoder encoder =
          BackgroundHeartbeat.during(-1, () -> Encoders.open(context.catalog(), spec, device))) {
        measureLatency(
            encoder, modelKey, String.valueOf(device), preset, () -> activity.heartbeat(-1));
      }
    } finally {
      pool.release(device);
    }
  }

  private volatile DevicePool detected;

  private DevicePool devicePool() {
    if (devices != null) {
      return devices;
    }
    if (detected == null) {
      synchronized (this) {
        if (detected == null) {
          detected = DevicePool.detect(Integer.MAX_VALUE);
          log.info("embedding devices: {}", detected);
        }
      }
    }
    return detected;
  }

  private Timing readTiming(String prefix) throws IOException {
    Optional<byte[]> bytes = context.store().get(prefix + TIMING);
    return bytes.isPresent() ? JSON.readValue(bytes.get(), Timing.class) : null;
  }
}
