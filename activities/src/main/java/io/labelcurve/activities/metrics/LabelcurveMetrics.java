package io.labelcurve.activities.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * labelcurve's own meters, next to the Temporal SDK's on the same registry (so on the same
 * {@code /metrics}). Names follow Prometheus conventions once rendered:
 * {@code labelcurve_cells_completed_total}, {@code labelcurve_images_embedded_total},
 * {@code labelcurve_cell_duration_seconds} …
 */
public final class LabelcurveMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> rates = new ConcurrentHashMap<>();

  public LabelcurveMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Meters that go nowhere, for tools and tests that do not serve metrics. */
  public static LabelcurveMetrics none() {
    return new LabelcurveMetrics(new SimpleMeterRegistry());
  }

  /**
   * Registers the per-model series at zero and a {@code labelcurve_build_info} gauge, so that a
   * fresh worker's {@code /metrics} already shows labelcurve's series (and rates start from 0).
   */
  public void registerModels(java.util.Collection<String> models, String version) {
    registry.gauge("labelcurve.build.info", io.micrometer.core.instrument.Tags.of("version", version),
        new AtomicLong(1));
    for (String model : models) {
      imagesEmbedded(model, 0);
      embeddingsFromCache(model, 0);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void cellCompleted(String sweep, String model, String adaptation, Duration took) {
    Counter.builder("labelcurve.cells.completed").description("Cells finished")
        .tags("sweep", sweep, "model", model).register(registry).increment();
    Timer.builder("labelcurve.cell.duration").description("Wall time of one cell")
        .tags("model", model, "adaptation", adaptation).register(registry).record(took);
  }

  public void cellFailed(String sweep, String model) {
    Counter.builder("labelcurve.cells.failed").description("Cell attempts that failed")
        .tags("sweep", sweep, "model", model).register(registry).increment();
  }

  public void imagesEmbedded(String model, long n) {
    Counter.builder("labelcurve.images.embedded").description("Images run through an encoder")
        .tags("model", model).register(registry).increment(n);
  }

  public void embeddingsFromCache(String model, long n) {
    Counter.builder("labelcurve.embeddings.from.cache")
        .description("Embeddings found in the cache instead of computed")
        .tags("model", model).register(registry).increment(n);
  }

  /** Images per second of the latest extraction of a model. */
  public void embedRate(String model, double imagesPerSecond) {
    rates.computeIfAbsent(model, m -> registry.gauge("labelcurve.embed.images.per.second",
            io.micrometer.core.instrument.Tags.of("model", m), new AtomicLong()))
        .set(Math.round(imagesPerSecond));
  }
}
