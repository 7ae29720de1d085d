package io.labelcurve.activities.adapter;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.device.DevicePool;
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
import io.labelcurve.activities.embed.SlotEncoders;
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
import io.labelcurve.workflows.activities.ExtractionActivities;
import io.labelcurve.workflows.activities.ExtractionPlan;
import io.labelcurve.workflows.activities.FinishRequest;
import io.labelcurve.workflows.activities.RangeRequest;
import io.labelcurve.workflows.activities.RangeResult;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityWorkerShutdownException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** See {@link EmbeddingActivities} and {@link ExtractionActivities}. */
public final class EmbeddingActivitiesImpl
    implements EmbeddingActivities, ExtractionActivities, AutoCloseable {
  /** The failure type of a range whose worker would key the vectors elsewhere than the plan. */
  public static final String ENGINE_MISMATCH = "EngineMismatch";

  private static final Logger log = LoggerFactory.getLogger(EmbeddingActivitiesImpl.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Encoder timing of a cached set, so that a cell served from cache still reports a speed. */
  static final String TIMING = "timing.json";

  private final ActivityContext context;
  private final Manifests manifests;
  private final DevicePool devices;
  private final int shardSize;

  /** The range extraction's encoder kept per device slot ({@link #close} closes them). */
  private final SlotEncoders encoders = new SlotEncoders();

  /**
   * Shards of {@link ExtractionJob#DEFAULT_SHARD_SIZE} images, every extraction on one device
   * (tests and tools).
   *
   * @param device the device every extraction runs on, shared; null: the engine's default
   */
  public EmbeddingActivitiesImpl(ActivityContext context, Manifests manifests, Device device) {
    this(
        context,
        manifests,
        DevicePool.shared(device == null ? Encoders.defaultDevice() : device),
        ExtractionJob.DEFAULT_SHARD_SIZE);
  }

  /**
   * @param devices the worker's device slots: an extraction leases one for as long as it runs
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

  public int shardSize() {
    return shardSize;
  }

  /** The encoders the ranges keep loaded on this worker's slots (tests count the loads). */
  public SlotEncoders encoders() {
    return encoders;
  }

  /**
   * Closes the encoders kept on the device slots: call it when the worker has stopped running
   * activities (one still running closes its own when it ends).
   */
  @Override
  public void close() {
    encoders.close();
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
    return handingOver(request, () -> run(request));
  }

  @Override
  public ExtractionPlan planExtraction(EmbedRequest request) {
    return handingOver(
        request,
        () -> {
          // Reading the manifest (and, on a hit, the whole set to check its digests) reports no
          // position: heartbeat meanwhile.
          try (BackgroundHeartbeat hb = BackgroundHeartbeat.start(-1, BackgroundHeartbeat.EVERY)) {
            Target t = target(request);
            Optional<EmbeddingSet> cached = fromCache(request, t);
            int shards = (t.ids().size() + shardSize - 1) / shardSize;
            log.info(
                "{} {}: {} images in {} shards of {}{}",
                request.model(),
                request.split(),
                t.ids().size(),
                shards,
                shardSize,
                cached.isPresent() ? ", all cached" : "");
            return new ExtractionPlan(
                t.prefix(), t.ids().size(), shardSize, shards, cached.orElse(null));
          }
        });
  }

  @Override
  public RangeResult extractRange(RangeRequest request) {
    return handingOver(request.embed(), () -> range(request));
  }

  @Override
  public EmbeddingSet finishExtraction(FinishRequest request) {
    return handingOver(
        request.embed(),
        () -> {
          try (BackgroundHeartbeat hb = BackgroundHeartbeat.start(-1, BackgroundHeartbeat.EVERY)) {
            return finish(request);
          }
        });
  }

  /**
   * Runs an extraction activity's body through {@link Failures}; a drain (the next heartbeat throws
   * {@code ActivityWorkerShutdownException}) ends the attempt with a retryable {@link
   * WorkerShutdowns#failure}, so that the retry starts at once elsewhere, behind the last
   * heartbeat.
   */
  private static <T> T handingOver(EmbedRequest request, java.util.concurrent.Callable<T> body) {
    return Failures.call(
        () -> {
          try {
            return body.call();
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

  /**
   * What every extraction of a request works from: the model as the preset has it, the split's ids
   * in shard order and where their vectors go on this worker's engine.
   */
  private record Target(
      ModelSpec spec,
      Preset preset,
      String manifestKey,
      Augmentation augmentation,
      List<String> ids,
      String prefix) {}

  private Target target(EmbedRequest request) throws IOException {
    Preset preset = Preset.named(request.preset());
    ModelSpec spec = preset.apply(context.catalog().get(request.model()));
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
    return new Target(
        spec, preset, manifests.keyOf(request.manifestUri()), augmentation, ids, prefix);
  }

  /** The set when every vector of it is cached; the training pool's also measures latency. */
  private Optional<EmbeddingSet> fromCache(EmbedRequest request, Target t) throws IOException {
    Optional<EmbeddingManifest> cached =
        EmbeddingExtractor.complete(
            context.store(), t.prefix(), t.ids(), t.spec().embeddingDim(), shardSize);
    if (cached.isEmpty()) {
      return Optional.empty();
    }
    context.metrics().embeddingsFromCache(request.model(), t.ids().size());
    Timing timing = readTiming(t.prefix());
    log.info("{} {}: {} embeddings from cache", request.model(), request.split(), t.ids().size());
    if (request.withVariants()) {
      latencyFromCache(t.spec(), context.catalog().modelKey(request.model()), t.preset());
    }
    return Optional.of(
        new EmbeddingSet(
            t.prefix(),
            request.model(),
            request.split(),
            t.ids().size(),
            cached.get().shards(),
            cached.get().dim(),
            0,
            t.ids().size(),
            cached.get().params(),
            timing == null ? 0 : timing.inferMsPerImage(),
            timing == null ? null : timing.numerics()));
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
    Target t = target(request);
    ModelSpec spec = t.spec();
    Preset preset = t.preset();
    Augmentation augmentation = t.augmentation();
    List<String> ids = t.ids();
    String prefix = t.prefix();

    // Everything cached: answer without loading the model at all.
    Optional<EmbeddingSet> cached = fromCache(request, t);
    if (cached.isPresent()) {
      return cached.get();
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
    String manifestKey = t.manifestKey();
    ExtractionResult result;
    NumericsCanary.Report canary;
    Heartbeats beats = new Heartbeats(activity, resumeAfter, request.model(), context);
    // The slot goes back however the extraction ends, a drain's or cancellation's exception
    // included.
    DevicePool.Lease lease = devices.lease();
    Device device = lease.device();
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
              .listener(beats)
              .build();
      result = EmbeddingExtractor.run(job);
      if (request.withVariants()) {
        measureLatency(
            encoder,
            context.catalog().modelKey(request.model()),
            String.valueOf(device),
            preset,
            // The extraction's last counts, so that the progress line keeps its images.
            () -> activity.heartbeat(beats.last()));
      }
    } finally {
      lease.close();
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
   * One range of a planned split on a device slot of its own: its shards computed (those already
   * stored kept), heartbeating its position, and, for the training pool's first range, Figure 5's
   * latency measurement with the loaded encoder.
   */
  private RangeResult range(RangeRequest request) throws IOException {
    EmbedRequest embed = request.embed();
    Target t = target(embed);
    if (!t.prefix().equals(request.prefix())) {
      // Vectors of one set come from one engine and numerics setting (issue 12): a worker of
      // another version would key them elsewhere, and the set would never be finished.
      throw ApplicationFailure.newNonRetryableFailure(
          embed.model()
              + " "
              + embed.split()
              + ": this worker keys the vectors under "
              + t.prefix()
              + ", the plan under "
              + request.prefix()
              + ": the workers of "
              + ExtractionActivities.TASK_QUEUE
              + " run different engines or numerics settings; run one version, then 'labelcurve"
              + " sweep rerun SWEEP'",
          ENGINE_MISMATCH);
    }
    ActivityExecutionContext activity = Activity.getExecutionContext();
    int resumeAfter =
        activity
            .getHeartbeatDetails(EmbedProgress.class)
            .map(EmbedProgress::shardsDoneThrough)
            .orElse(request.fromShard() - 1);
    if (resumeAfter >= request.fromShard()) {
      log.info(
          "{} {} shards [{}, {}): resuming after shard {}",
          embed.model(),
          embed.split(),
          request.fromShard(),
          request.toShard(),
          resumeAfter);
    }
    ModelSpec spec = t.spec();
    // Before the first batch the range reports its stored shards as done (none on a first
    // attempt), counted: a retry's heartbeats while it loads the model would otherwise replace the
    // previous attempt's counts with none, and the CLI's progress line would step back.
    long rangeStart = (long) request.fromShard() * request.shardSize();
    int rangeImages =
        (int)
            Math.max(
                0,
                Math.min((long) request.toShard() * request.shardSize(), t.ids().size())
                    - rangeStart);
    int stored =
        (int)
            Math.max(
                0,
                Math.min((long) (resumeAfter + 1) * request.shardSize(), t.ids().size())
                    - rangeStart);
    EmbedProgress before =
        new EmbedProgress(resumeAfter, Math.min(stored, rangeImages), rangeImages, 0, 0);
    Heartbeats beats = new Heartbeats(activity, before, embed.model(), context);
    try (DevicePool.Lease lease = devices.lease()) {
      Device device = lease.device();
      ExtractionResult result;
      NumericsCanary.Report canary;
      // The model as the slot's last range left it, when that range was of the same model: a
      // split's ranges then load it once per slot, not once each.
      SlotEncoders.Key key =
          new SlotEncoders.Key(spec, context.catalog().digest(spec), String.valueOf(device));
      try (SlotEncoders.Held held =
          encoders.acquire(
              lease.slot(),
              key,
              () ->
                  BackgroundHeartbeat.during(
                      before, () -> Encoders.open(context.catalog(), spec, device)))) {
        Encoder encoder = held.encoder();
        // Before the first real batch on this encoder at this batch size: are this worker's
        // numbers right? A kept encoder's report was checked on it.
        canary =
            held.canary(
                t.preset().batchSize(),
                () ->
                    NumericsCanary.verify(
                        encoder,
                        context.catalog().folder(spec.id()),
                        t.preset().batchSize(),
                        String.valueOf(device),
                        () -> activity.heartbeat(before)));
        result =
            EmbeddingExtractor.run(
                ExtractionJob.builder()
                    .ids(t.ids())
                    .loader(
                        FrameImages.forDataset(
                            context.store(),
                            embed.datasetDigest(),
                            BlobImageSource.besides(context.store(), t.manifestKey()),
                            t.augmentation()))
                    .encoder(encoder)
                    .store(context.store())
                    .prefix(t.prefix())
                    .provenance(
                        embed.model(),
                        context.catalog().digest(spec),
                        embed.datasetDigest(),
                        embed.split())
                    .shardSize(request.shardSize())
                    .shardRange(request.fromShard(), request.toShard())
                    .batchSize(t.preset().batchSize())
                    .resumeAfterShard(resumeAfter)
                    .listener(beats)
                    .build());
        if (embed.withVariants() && request.fromShard() == 0) {
          measureLatency(
              encoder,
              context.catalog().modelKey(embed.model()),
              String.valueOf(device),
              t.preset(),
              // The range's last counts: the latency measurement after its batches must not
              // take its images out of the progress line.
              () -> activity.heartbeat(beats.last()));
        }
        // Reached only when the range succeeded: any failure above closes the encoder instead, so
        // that the retry loads it afresh.
        held.keep();
      }
      context.metrics().embeddingsFromCache(embed.model(), result.fromCache());
      if (result.computed() > 0) {
        context.metrics().embedRate(embed.model(), result.imagesPerSecond());
      }
      log.info(
          "{} {} shards [{}, {}) on {}: {} computed ({} img/s), {} stored already",
          embed.model(),
          embed.split(),
          request.fromShard(),
          request.toShard(),
          lease.slot().describe(),
          result.computed(),
          String.format(java.util.Locale.ROOT, "%.1f", result.imagesPerSecond()),
          result.fromCache());
      return new RangeResult(
          request.fromShard(),
          request.toShard(),
          result.computed(),
          result.fromCache(),
          result.params(),
          result.inferenceSeconds(),
          lease.slot().describe(),
          canary.provenance());
    }
  }

  /**
   * The set's manifest from its ranges' shards, and its timing: the encoder time over every range
   * that computed (the timing already stored when none did).
   */
  private EmbeddingSet finish(FinishRequest request) throws IOException {
    EmbedRequest embed = request.embed();
    ExtractionPlan plan = request.plan();
    Target t = target(embed);
    if (!t.prefix().equals(plan.prefix()) || t.ids().size() != plan.images()) {
      throw ApplicationFailure.newNonRetryableFailure(
          embed.model()
              + " "
              + embed.split()
              + ": planned as "
              + plan.images()
              + " images under "
              + plan.prefix()
              + ", this worker has "
              + t.ids().size()
              + " under "
              + t.prefix(),
          ENGINE_MISMATCH);
    }
    int computed = 0;
    int fromCache = 0;
    long params = 0;
    double inferSeconds = 0;
    String numerics = null;
    Set<String> devices = new LinkedHashSet<>();
    for (RangeResult r : request.ranges()) {
      computed += r.computed();
      fromCache += r.fromCache();
      params = Math.max(params, r.params());
      inferSeconds += r.inferSeconds();
      if (r.computed() > 0) {
        devices.add(r.device());
        numerics = numerics == null ? r.numerics() : numerics;
      }
    }
    EmbeddingManifest m =
        EmbeddingExtractor.finish(
            context.store(),
            t.prefix(),
            new EmbeddingExtractor.SetIdentity(
                embed.model(),
                context.catalog().digest(t.spec()),
                embed.datasetDigest(),
                embed.split(),
                t.spec().preprocessing()),
            t.ids(),
            t.spec().embeddingDim(),
            plan.shardSize(),
            params);
    Timing timing;
    if (computed > 0) {
      double ms = inferSeconds * 1000 / computed;
      timing = new Timing(ms, ms > 0 ? 1000 / ms : 0, params, String.join(", ", devices), numerics);
      context.store().put(t.prefix() + TIMING, JSON.writeValueAsBytes(timing));
    } else {
      timing = readTiming(t.prefix());
    }
    return new EmbeddingSet(
        t.prefix(),
        embed.model(),
        embed.split(),
        m.count(),
        m.shards(),
        m.dim(),
        computed,
        fromCache,
        m.params(),
        timing == null ? 0 : timing.inferMsPerImage(),
        timing == null ? numerics : timing.numerics());
  }

  /**
   * The heartbeats of an extraction: its resume position after every shard and every batch (so that
   * the heartbeat timeout need only cover one batch; Temporal throttles what it sends), with the
   * counts of the last batch for the CLI's progress line ({@link EmbedProgress}).
   */
  private static final class Heartbeats implements ShardListener {
    private final ActivityExecutionContext activity;
    private final String model;
    private final ActivityContext context;
    private EmbedProgress counts;

    /** When the extraction proper began (the first onProgress, before any batch). */
    private long startNanos = -1;

    Heartbeats(
        ActivityExecutionContext activity, int resumeAfter, String model, ActivityContext context) {
      this(activity, EmbedProgress.atShard(resumeAfter), model, context);
    }

    /** Heartbeats that start from {@code before} (a range's stored shards, counted). */
    Heartbeats(
        ActivityExecutionContext activity,
        EmbedProgress before,
        String model,
        ActivityContext context) {
      this.activity = activity;
      this.model = model;
      this.context = context;
      this.counts = before;
    }

    @Override
    public synchronized void onProgress(int imagesDone, int images, int computed) {
      long now = System.nanoTime();
      startNanos = startNanos < 0 ? now : startNanos;
      counts =
          new EmbedProgress(
              counts.shardsDoneThrough(), imagesDone, images, computed, (now - startNanos) / 1e9);
    }

    @Override
    public void onShardDone(int doneThrough) {
      activity.heartbeat(at(doneThrough));
    }

    @Override
    public void onBatchDone(int doneThrough) {
      activity.heartbeat(at(doneThrough));
    }

    /** What the last heartbeat sent (or the counts it started from). */
    synchronized EmbedProgress last() {
      return counts;
    }

    private synchronized EmbedProgress at(int doneThrough) {
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
      context.metrics().imagesEmbedded(model, images);
    }
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

  /**
   * The measurement for a model whose embeddings all came from cache, when this device has none.
   */
  private void latencyFromCache(ModelSpec spec, String modelKey, Preset preset) throws IOException {
    // A slot of its own: a latency measured beside a running range would time both.
    try (DevicePool.Lease lease = devices.lease()) {
      Device device = lease.device();
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
    }
  }

  private Timing readTiming(String prefix) throws IOException {
    Optional<byte[]> bytes = context.store().get(prefix + TIMING);
    return bytes.isPresent() ? JSON.readValue(bytes.get(), Timing.class) : null;
  }
}
