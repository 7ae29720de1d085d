package io.labelcurve.activities.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.device.DevicePool;
import io.labelcurve.activities.embed.EmbedProgress;
import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.TestModels;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.ExtractionActivities;
import io.labelcurve.workflows.activities.ExtractionPlan;
import io.labelcurve.workflows.activities.RangeRequest;
import io.labelcurve.workflows.activities.RangeResult;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Range activities on one device slot keep their model loaded between ranges: through the real
 * activity in a Temporal activity environment, S3Proxy and DJL, with the tiny TorchScript CNN and a
 * copy of it under another id. A CPU slot stands in for a GPU.
 */
class RangeEncoderReuseTest {
  @TempDir static Path dir;
  static EmbeddedS3 s3;
  static S3BlobStore store;
  static String manifestUri;
  static ActivityContext context;

  @BeforeAll
  static void setUp() throws Exception {
    TestModels.tinyCnnUnder(dir, "tiny-cnn", "tiny-cnn-b");
    PhantomGenerator.Summary summary =
        PhantomGenerator.generate(dir.resolve("phantom"), 13, PhantomGenerator.Scale.TINY);
    s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
    store = S3BlobStore.connect(s3.settings("range-encoders"));
    manifestUri =
        store.uri(DatasetUploader.upload(summary.manifest(), store, "datasets/tiny").manifestKey());
    context =
        new ActivityContext(
            store, ModelCatalog.load(dir.resolve("models")), LabelcurveMetrics.none(), 1);
  }

  @AfterAll
  static void tearDown() throws Exception {
    store.close();
    s3.close();
  }

  static EmbedRequest split(String model) {
    return new EmbedRequest(manifestUri, "tiny-digest", "T1", false, model, "cpu-small");
  }

  @Test
  void rangesOfOneModelOnASlotLoadItOnceAnotherModelOrAFailureLoadsAfresh() {
    // Shards of 8 images, so that the test split is several ranges.
    try (EmbeddingActivitiesImpl impl =
        new EmbeddingActivitiesImpl(context, new Manifests(store), DevicePool.cpuSlots(1), 8)) {
      TestActivityEnvironment env = TestActivityEnvironment.newInstance();
      try {
        run(env, impl);
      } finally {
        env.close();
      }
    }
  }

  /** The ranges, one after the other on the pool's one slot. */
  private static void run(TestActivityEnvironment env, EmbeddingActivitiesImpl impl) {
    env.registerActivitiesImplementations(impl);
    ExtractionActivities stub =
        env.newActivityStub(
            ExtractionActivities.class,
            ActivityOptions.newBuilder()
                // Generous for seconds of tiny-CNN inference on a loaded 2-core machine.
                .setStartToCloseTimeout(Duration.ofMinutes(5))
                // One attempt: the failure below must reach the test, not a retry.
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
    ExtractionPlan a = stub.planExtraction(split("tiny-cnn"));
    assertTrue(a.shards() >= 3, a.images() + " images in " + a.shards() + " shards");

    RangeResult first = stub.extractRange(new RangeRequest(split("tiny-cnn"), a.prefix(), 8, 0, 1));
    RangeResult second =
        stub.extractRange(new RangeRequest(split("tiny-cnn"), a.prefix(), 8, 1, 2));
    assertEquals(8, first.computed());
    assertEquals(8, second.computed());
    assertEquals(1, impl.encoders().loads(), "two ranges of one model on one slot");
    assertEquals(1, impl.encoders().reuses());
    // The second range reports the canary that was checked on the encoder it reused.
    assertNotNull(first.numerics());
    assertEquals(first.numerics(), second.numerics());

    // Another model on the slot: loaded, the first closed (one model per slot).
    ExtractionPlan b = stub.planExtraction(split("tiny-cnn-b"));
    stub.extractRange(new RangeRequest(split("tiny-cnn-b"), b.prefix(), 8, 0, 1));
    assertEquals(2, impl.encoders().loads());

    // A range that fails with the kept encoder in hand (shards outside the split) drops it: the
    // next range of the same model loads it again.
    assertThrows(
        ActivityFailure.class,
        () ->
            stub.extractRange(
                new RangeRequest(split("tiny-cnn-b"), b.prefix(), 8, 1, b.shards() + 1)));
    assertEquals(2, impl.encoders().reuses(), "the failed range had the kept encoder");
    stub.extractRange(new RangeRequest(split("tiny-cnn-b"), b.prefix(), 8, 1, 2));
    assertEquals(3, impl.encoders().loads());
    assertEquals(2, impl.encoders().reuses());
  }

  static ExtractionActivities stub(TestActivityEnvironment env) {
    return env.newActivityStub(
        ExtractionActivities.class,
        ActivityOptions.newBuilder()
            // Generous for seconds of tiny-CNN inference and its latency measurement.
            .setStartToCloseTimeout(Duration.ofMinutes(5))
            // The SDK sends a heartbeat at once, then the latest every 0.8 of this: a few seconds
            // lets more than the first reach the listener, and covers a batch on a loaded machine.
            .setHeartbeatTimeout(Duration.ofSeconds(5))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  /**
   * What the CLI's progress line reads of a range: every heartbeat counted from the range's start
   * (the first is sent at once: before the model is loaded), its images done never lower than
   * before, through the training pool's latency measurement after its batches and through a retry's
   * model loading. (The SDK sends at most one heartbeat every few seconds, the latest: the listener
   * sees those the server would.)
   */
  @Test
  void aRangesHeartbeatsCountItsImagesFromItsStartToItsEnd() {
    EmbedRequest pool =
        new EmbedRequest(manifestUri, "tiny-digest", "train", true, "tiny-cnn", "cpu-small");
    try (EmbeddingActivitiesImpl impl =
        new EmbeddingActivitiesImpl(context, new Manifests(store), DevicePool.cpuSlots(1), 8)) {
      List<EmbedProgress> first = Collections.synchronizedList(new ArrayList<>());
      TestActivityEnvironment env = TestActivityEnvironment.newInstance();
      ExtractionPlan plan;
      try {
        env.registerActivitiesImplementations(impl);
        env.setActivityHeartbeatListener(EmbedProgress.class, first::add);
        plan = stub(env).planExtraction(pool);
        first.clear();
        // The pool's first range: its shards, then Figure 5's latency measurement.
        stub(env).extractRange(new RangeRequest(pool, plan.prefix(), 8, 0, 2));
      } finally {
        env.close();
      }
      assertCountedAndRising(first, 0, 16);

      // A retry of a range whose earlier attempt stored shards 0 and 1 (of 3) and died: it loads
      // the model afresh (a new worker) and starts from the stored 16 images.
      List<EmbedProgress> retry = Collections.synchronizedList(new ArrayList<>());
      try (EmbeddingActivitiesImpl fresh =
          new EmbeddingActivitiesImpl(context, new Manifests(store), DevicePool.cpuSlots(1), 8)) {
        TestActivityEnvironment again = TestActivityEnvironment.newInstance();
        try {
          again.registerActivitiesImplementations(fresh);
          again.setActivityHeartbeatListener(EmbedProgress.class, retry::add);
          again.setHeartbeatDetails(new EmbedProgress(1, 20, 24, 20, 3.0));
          RangeResult r = stub(again).extractRange(new RangeRequest(pool, plan.prefix(), 8, 0, 3));
          assertEquals(8, r.computed());
          assertEquals(16, r.fromCache());
        } finally {
          again.close();
        }
        assertEquals(1, fresh.encoders().loads());
      }
      assertCountedAndRising(retry, 16, 24);
    }
  }

  private static void assertCountedAndRising(List<EmbedProgress> beats, int from, int to) {
    assertTrue(!beats.isEmpty(), "no heartbeat");
    int last = from;
    for (EmbedProgress p : beats) {
      assertTrue(p.counted(), "an uncounted heartbeat: " + beats);
      assertTrue(p.imagesDone() >= last, "stepped back: " + beats);
      assertTrue(p.imagesDone() <= to, "past the range: " + beats);
      last = p.imagesDone();
    }
    assertEquals(from, beats.get(0).imagesDone(), beats.toString());
  }
}
