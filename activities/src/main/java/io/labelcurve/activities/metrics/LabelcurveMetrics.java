package io.labelcurve.activities.metrics;

import io.labelcurve.workflows.spec.Adaptations;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * labelcurve's own meters, next to the Temporal SDK's on the same registry (so on the same {@code
 * /metrics}). Rendered names (the contract that deploy/grafana and deploy/prometheus rely on,
 * checked by the worker module's MetricsContractTest):
 *
 * <ul>
 *   <li>{@code labelcurve_cells_completed_total{model,adaptation}}: cells computed;
 *   <li>{@code labelcurve_cells_failed_total{model,adaptation}}: cells failed for good (the attempt
 *       that failed was the last: non-retryable, attempt limit, or budget spent);
 *   <li>{@code labelcurve_cell_attempts_failed_total{model,adaptation}}: every failed attempt,
 *       retried ones included (a drained worker's hand-over is not a failure);
 *   <li>{@code labelcurve_cell_duration_seconds{model,adaptation}}: histogram up to a day ({@link
 *       LongHistograms});
 *   <li>{@code labelcurve_images_embedded_total{model}}: images through an encoder, counted after
 *       every batch; {@code labelcurve_embeddings_from_cache_total{model}}; {@code
 *       labelcurve_embed_images_per_second{model}} of the latest extraction;
 *   <li>{@code labelcurve_worker_device{queue,device}} = 1 for each device the worker's activities
 *       of a queue run on: {@code cpu} or {@code cuda:N};
 *   <li>{@code labelcurve_build_info{version}} = 1.
 * </ul>
 *
 * <p>No series has a sweep label. A worker learns of a sweep only through the cell attempt it then
 * counts, so a per-sweep counter could not be registered at zero before its first increment and
 * Prometheus' {@code increase()} would miss a sweep's first failure on each worker; every sweep
 * would also add series for the life of the process. The model and adaptation are known at start
 * (the catalog), so all series are registered at zero before any work. Per-sweep counts are exact
 * in Temporal ({@code labelcurve sweep status}).
 */
public final class LabelcurveMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> rates = new ConcurrentHashMap<>();

  /** Meters on {@code registry}; give it {@link LongHistograms#filter} before any meter. */
  public LabelcurveMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Meters that go nowhere, for tools and tests that do not serve metrics. */
  public static LabelcurveMetrics none() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    registry.config().meterFilter(LongHistograms.filter());
    return new LabelcurveMetrics(registry);
  }

  /**
   * Registers every series of {@code models} at zero and the {@code labelcurve_build_info} gauge,
   * so that a fresh worker's {@code /metrics} already shows them and rates start from 0.
   */
  public void registerModels(Collection<String> models, String version) {
    // Strongly referenced: registry.gauge(...) holds its number weakly, and a collected one reads
    // NaN.
    Gauge.builder("labelcurve.build.info", () -> 1)
        .strongReference(true)
        .description("1, labelled with the labelcurve version of this process")
        .tag("version", version)
        .register(registry);
    for (String model : models) {
      imagesEmbedded(model, 0);
      embeddingsFromCache(model, 0);
      for (String adaptation : Adaptations.SUPPORTED) {
        completed(model, adaptation);
        failed(model, adaptation);
        attemptsFailed(model, adaptation);
        duration(model, adaptation);
      }
    }
  }

  /** {@code labelcurve_worker_device{queue, device} 1}: where this worker's queue runs. */
  public void workerDevice(String queue, String device) {
    Gauge.builder("labelcurve.worker.device", () -> 1)
        .strongReference(true)
        .description("1 for each device this worker runs a queue's activities on (cpu, cuda:N)")
        .tags("queue", queue, "device", device)
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void cellCompleted(String model, String adaptation, Duration took) {
    completed(model, adaptation).increment();
    duration(model, adaptation).record(took);
  }

  /**
   * A failed attempt at a cell; also a cell failed for good when {@link AttemptOutcome#isFinal}
   * says no retry follows.
   */
  public void cellAttemptFailed(String model, String adaptation, Throwable failure) {
    attemptsFailed(model, adaptation).increment();
    if (AttemptOutcome.isFinal(failure)) {
      failed(model, adaptation).increment();
    }
  }

  /** Images that went through an encoder: called after every batch. */
  public void imagesEmbedded(String model, long n) {
    Counter.builder("labelcurve.images.embedded")
        .description("Images run through an encoder, counted after every batch")
        .tags("model", model)
        .register(registry)
        .increment((double) n);
  }

  public void embeddingsFromCache(String model, long n) {
    Counter.builder("labelcurve.embeddings.from.cache")
        .description("Embeddings found in the cache instead of computed")
        .tags("model", model)
        .register(registry)
        .increment((double) n);
  }

  /** Images per second of the latest extraction of a model. */
  public void embedRate(String model, double imagesPerSecond) {
    rates
        .computeIfAbsent(
            model,
            m -> {
              AtomicLong value = new AtomicLong();
              Gauge.builder("labelcurve.embed.images.per.second", value, AtomicLong::get)
                  .description("Images per second of the latest extraction of the model")
                  .tag("model", m)
                  .register(registry);
              return value;
            })
        .set(Math.round(imagesPerSecond));
  }

  private Counter completed(String model, String adaptation) {
    return Counter.builder("labelcurve.cells.completed")
        .description("Cells computed")
        .tags("model", model, "adaptation", adaptation)
        .register(registry);
  }

  private Counter failed(String model, String adaptation) {
    return Counter.builder("labelcurve.cells.failed")
        .description("Cells failed for good: their last attempt failed")
        .tags("model", model, "adaptation", adaptation)
        .register(registry);
  }

  private Counter attemptsFailed(String model, String adaptation) {
    return Counter.builder("labelcurve.cell.attempts.failed")
        .description("Failed attempts at cells, retried ones included")
        .tags("model", model, "adaptation", adaptation)
        .register(registry);
  }

  private Timer duration(String model, String adaptation) {
    return Timer.builder("labelcurve.cell.duration")
        .description("Wall time of one cell attempt")
        .tags("model", model, "adaptation", adaptation)
        .register(registry);
  }
}
