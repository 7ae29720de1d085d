package io.labelcurve.activities.embed;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A dedicated latency measurement of one encoder on one device, for the report's Figure 5: the
 * encoder alone on synthetic frames (latency does not depend on content), after warm-up, repeated,
 * at batch 1 (one image's latency) and at the worker's batch (its throughput), reported as the
 * median per image with quartiles and extremes. Stored once per model, engine, device and input
 * size under {@code latency/{model key}/{engine tag}/{device}-{input}px.json}; every sweep that
 * uses that model on that device reads the same measurement.
 *
 * <p>The machine's load average before and after is recorded: a worker runs other activities at the
 * same time, and a reader should see when it was busy. Both adaptations share the measurement: a
 * finetuned model has the encoder's architecture plus a linear head, like the probe's linear SVM,
 * whose cost (dim × classes multiply-adds per image) is negligible next to the encoder's.
 */
public final class LatencyBench {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Untimed batches first: lazy initialisation, JIT and allocator warm-up. */
  public static final int WARMUP = 3;

  /** Timed batches at most, and at least {@link #MIN_REPEATS}. */
  public static final int MAX_REPEATS = 20;

  public static final int MIN_REPEATS = 5;

  /** Timed seconds per batch size after which no further repeat starts (beyond the minimum). */
  public static final double BUDGET_SECONDS = 20;

  private LatencyBench() {}

  /**
   * One batch size's timings.
   *
   * @param batch images per forward pass
   * @param warmup untimed passes before
   * @param repeats timed passes
   * @param medianMsPerImage median over passes of pass time / batch
   * @param p25MsPerImage first quartile
   * @param p75MsPerImage third quartile
   * @param minMsPerImage fastest pass
   * @param maxMsPerImage slowest pass
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Timing(
      int batch,
      int warmup,
      int repeats,
      double medianMsPerImage,
      double p25MsPerImage,
      double p75MsPerImage,
      double minMsPerImage,
      double maxMsPerImage) {}

  /**
   * A measurement.
   *
   * @param model catalog id
   * @param modelKey catalog key (id and digest)
   * @param device the device, as DJL names it
   * @param engine engine tag (version and numerics)
   * @param inputSize side of the input in pixels
   * @param timings batch 1 and the worker's batch
   * @param measuredAt when
   * @param host the machine
   * @param loadBefore system load average (1 min) before, or -1 where the OS gives none
   * @param loadAfter after
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Result(
      String model,
      String modelKey,
      String device,
      String engine,
      int inputSize,
      List<Timing> timings,
      String measuredAt,
      String host,
      double loadBefore,
      double loadAfter) {}

  /** Where a measurement is stored. */
  public static String key(String modelKey, String engineTag, String device, int inputSize) {
    return "latency/"
        + modelKey
        + "/"
        + engineTag
        + "/"
        + device.replaceAll("[^A-Za-z0-9_.-]", "_")
        + "-"
        + inputSize
        + "px.json";
  }

  /** The measurements of a model (any engine, device, input), for the report. */
  public static List<Result> readAll(BlobStore store, String modelKey) throws IOException {
    List<Result> out = new ArrayList<>();
    for (String k : store.list("latency/" + modelKey + "/")) {
      if (k.endsWith(".json")) {
        Optional<byte[]> b = store.get(k);
        if (b.isPresent()) {
          out.add(JSON.readValue(b.get(), Result.class));
        }
      }
    }
    return out;
  }

  /** Whether this model, engine, device and input size has been measured. */
  public static boolean measured(BlobStore store, String key) throws IOException {
    return store.get(key).isPresent();
  }

  /**
   * Measures the encoder at batch 1 and at {@code workerBatch} and stores the result under {@code
   * key}.
   *
   * @param beat called between passes (a heartbeat)
   */
  public static Result measureAndStore(
      BlobStore store,
      String key,
      Encoder encoder,
      String modelKey,
      String device,
      String engineTag,
      int workerBatch,
      Runnable beat)
      throws IOException {
    double loadBefore = load();
    List<Timing> timings = new ArrayList<>();
    for (int batch : workerBatch > 1 ? new int[] {1, workerBatch} : new int[] {1}) {
      timings.add(time(encoder, batch, beat));
    }
    Result r =
        new Result(
            encoder.spec().id(),
            modelKey,
            device,
            engineTag,
            encoder.spec().input().size(),
            timings,
            Instant.now().toString(),
            Provenance.worker().host(),
            loadBefore,
            load());
    store.put(key, JSON.writeValueAsBytes(r));
    return r;
  }

  static Timing time(Encoder encoder, int batch, Runnable beat) {
    List<float[]> synthetic = NumericsCanary.syntheticInputs(encoder.spec());
    List<float[]> inputs = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      inputs.add(synthetic.get(i % synthetic.size()));
    }
    for (int i = 0; i < WARMUP; i++) {
      encoder.embed(inputs);
      beat.run();
    }
    List<Double> perImage = new ArrayList<>();
    long started = System.nanoTime();
    while (perImage.size() < MAX_REPEATS
        && (perImage.size() < MIN_REPEATS
            || (System.nanoTime() - started) / 1e9 < BUDGET_SECONDS)) {
      long t0 = System.nanoTime();
      encoder.embed(inputs);
      perImage.add((System.nanoTime() - t0) / 1e6 / batch);
      beat.run();
    }
    double[] v = perImage.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    return new Timing(
        batch,
        WARMUP,
        v.length,
        quantile(v, 0.5),
        quantile(v, 0.25),
        quantile(v, 0.75),
        v[0],
        v[v.length - 1]);
  }

  /** Linear interpolation between order statistics (NumPy's default) of sorted values. */
  static double quantile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  private static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
