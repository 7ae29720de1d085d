package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.TestModels;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The dedicated latency measurement of Figure 5 on the tiny fixture encoder. */
class LatencyBenchTest {
  @Test
  void measuresBatchOneAndTheWorkersBatchAndStoresTheResult() throws Exception {
    ModelCatalog catalog = ModelCatalog.load(TestModels.fixtureCatalog());
    ModelSpec spec = catalog.get("tiny-cnn");
    InMemoryBlobStore store = new InMemoryBlobStore();
    String modelKey = catalog.modelKey(spec);
    String key = LatencyBench.key(modelKey, "engine", "cpu()", spec.input().size());
    assertFalse(LatencyBench.measured(store, key));
    AtomicInteger beats = new AtomicInteger();
    try (Encoder encoder = Encoders.open(catalog, spec, Device.cpu())) {
      LatencyBench.measureAndStore(
          store, key, encoder, modelKey, "cpu()", "engine", 8, beats::incrementAndGet);
    }
    assertTrue(LatencyBench.measured(store, key));
    List<LatencyBench.Result> read = LatencyBench.readAll(store, modelKey);
    assertEquals(1, read.size());
    LatencyBench.Result r = read.get(0);
    assertEquals("cpu()", r.device());
    assertEquals(List.of(1, 8), r.timings().stream().map(LatencyBench.Timing::batch).toList());
    for (LatencyBench.Timing t : r.timings()) {
      assertEquals(LatencyBench.WARMUP, t.warmup());
      assertTrue(
          t.repeats() >= LatencyBench.MIN_REPEATS && t.repeats() <= LatencyBench.MAX_REPEATS);
      assertTrue(
          t.minMsPerImage() > 0
              && t.minMsPerImage() <= t.p25MsPerImage()
              && t.p25MsPerImage() <= t.medianMsPerImage()
              && t.medianMsPerImage() <= t.p75MsPerImage()
              && t.p75MsPerImage() <= t.maxMsPerImage(),
          t.toString());
    }
    // Every pass, warm-up included, heartbeats.
    int passes = r.timings().stream().mapToInt(t -> t.warmup() + t.repeats()).sum();
    assertEquals(passes, beats.get());
    assertTrue(key.startsWith("latency/" + modelKey + "/engine/cpu__-"), key);
  }

  @Test
  void quantilesInterpolateLikeNumpy() {
    // numpy.percentile([1, 2, 4, 8], [25, 50, 75]) = [1.75, 3.0, 5.0]
    double[] v = {1, 2, 4, 8};
    assertEquals(1.75, LatencyBench.quantile(v, 0.25), 1e-12);
    assertEquals(3.0, LatencyBench.quantile(v, 0.5), 1e-12);
    assertEquals(5.0, LatencyBench.quantile(v, 0.75), 1e-12);
  }
}
