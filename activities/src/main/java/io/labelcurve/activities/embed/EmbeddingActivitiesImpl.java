package io.labelcurve.activities.embed;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.image.DatasetImages;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.Failures;
import io.labelcurve.activities.runtime.Manifests;
import io.labelcurve.activities.sampling.PoolEntry;
import io.labelcurve.activities.sampling.TrainingPool;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.EmbeddingActivities;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
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

  private final ActivityContext context;
  private final Manifests manifests;
  private final Device device;

  public EmbeddingActivitiesImpl(ActivityContext context, Manifests manifests, Device device) {
    this.context = context;
    this.manifests = manifests;
    this.device = device;
  }

  /** Encoder speed recorded next to a set of embeddings. */
  record Timing(double inferMsPerImage, double imagesPerSecond, long params, String device) {}

  @Override
  public EmbeddingSet embed(EmbedRequest request) {
    return Failures.call(() -> run(request));
  }

  /** The ids a split embeds, in the canonical order their shards hold them. */
  public static List<String> idsOf(Manifest manifest, String split, boolean withVariants) {
    if (withVariants) {
      return TrainingPool.of(manifest, split, manifest.classes(), true).entries().stream()
          .map(PoolEntry::id).toList();
    }
    return manifest.rowsOf(split).stream().map(ManifestRow::image).sorted().toList();
  }

  private EmbeddingSet run(EmbedRequest request) throws IOException {
    ModelSpec spec = Preset.named(request.preset()).apply(context.catalog().get(request.model()));
    Preset preset = Preset.named(request.preset());
    Manifest manifest = manifests.read(request.manifestUri());
    List<String> ids = idsOf(manifest, request.split(), request.withVariants());
    String modelKey = context.catalog().modelKey(spec);
    String prefix = EmbeddingExtractor.prefix(modelKey, request.datasetDigest(), request.split());

    // Everything cached: answer without loading the model at all.
    Optional<EmbeddingManifest> cached = EmbeddingExtractor.complete(
        context.store(), prefix, ids, spec.embeddingDim(), ExtractionJob.DEFAULT_SHARD_SIZE);
    if (cached.isPresent()) {
      context.metrics().embeddingsFromCache(request.model(), ids.size());
      Timing timing = readTiming(prefix);
      log.info("{} {}: {} embeddings from cache", request.model(), request.split(), ids.size());
      return new EmbeddingSet(prefix, request.model(), request.split(), ids.size(),
          cached.get().shards(), cached.get().dim(), 0, ids.size(), cached.get().params(),
          timing == null ? 0 : timing.inferMsPerImage());
    }

    ActivityExecutionContext activity = Activity.getExecutionContext();
    // The previous attempt's heartbeat says which shards it finished; resume behind them.
    int resumeAfter = activity.getHeartbeatDetails(Integer.class).orElse(-1);
    if (resumeAfter >= 0) {
      log.info("{} {}: resuming after shard {}", request.model(), request.split(), resumeAfter);
    }
    String manifestKey = manifests.keyOf(request.manifestUri());
    ExtractionResult result;
    try (Encoder encoder = Encoders.open(context.catalog(), spec, device)) {
      ExtractionJob job = ExtractionJob.builder()
          .ids(ids)
          .loader(new DatasetImages(BlobImageSource.besides(context.store(), manifestKey)))
          .encoder(encoder)
          .store(context.store())
          .prefix(prefix)
          .provenance(request.model(), context.catalog().digest(spec), request.datasetDigest(),
              request.split())
          .batchSize(preset.batchSize())
          .resumeAfterShard(resumeAfter)
          .listener(activity::heartbeat)
          .build();
      result = EmbeddingExtractor.run(job);
    }
    context.metrics().imagesEmbedded(request.model(), result.computed());
    context.metrics().embeddingsFromCache(request.model(), result.fromCache());
    context.metrics().embedRate(request.model(), result.imagesPerSecond());
    Timing timing = result.computed() > 0
        ? new Timing(result.inferMsPerImage(), result.imagesPerSecond(), result.params(),
            String.valueOf(device == null ? Encoders.defaultDevice() : device))
        : readTiming(prefix);
    if (result.computed() > 0) {
      context.store().put(prefix + TIMING, JSON.writeValueAsBytes(timing));
    }
    log.info("{} {}: {} computed ({} img/s), {} from cache", request.model(), request.split(),
        result.computed(), String.format("%.1f", result.imagesPerSecond()), result.fromCache());
    return new EmbeddingSet(prefix, request.model(), request.split(), result.count(),
        result.shards(), result.dim(), result.computed(), result.fromCache(), result.params(),
        timing == null ? 0 : timing.inferMsPerImage());
  }

  private Timing readTiming(String prefix) throws IOException {
    Optional<byte[]> bytes = context.store().get(prefix + TIMING);
    return bytes.isPresent() ? JSON.readValue(bytes.get(), Timing.class) : null;
  }
}
