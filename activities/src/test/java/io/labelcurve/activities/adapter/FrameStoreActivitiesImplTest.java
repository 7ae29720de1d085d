package io.labelcurve.activities.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.dataset.LocalImageSource;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.framestore.FrameImages;
import io.labelcurve.activities.framestore.FrameIndex;
import io.labelcurve.activities.framestore.FrameStore;
import io.labelcurve.activities.framestore.FrameStoreBuilder;
import io.labelcurve.activities.image.Augmentation;
import io.labelcurve.activities.image.DatasetImages;
import io.labelcurve.activities.image.ImageLoader;
import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.TestModels;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.workflows.activities.FrameShardRange;
import io.labelcurve.workflows.activities.FrameShardsBuilt;
import io.labelcurve.workflows.activities.FrameStoreActivities;
import io.labelcurve.workflows.activities.FrameStorePlan;
import io.labelcurve.workflows.activities.FrameStoreRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The frame store's activities through Temporal's activity test environment, over S3Proxy. */
class FrameStoreActivitiesImplTest {
  private static final int SHARD = 16;

  @TempDir static Path dir;
  static EmbeddedS3 s3;
  static S3BlobStore store;
  static ActivityContext context;
  static String manifestUri;
  static Path manifestFile;

  @BeforeAll
  static void setUp() throws Exception {
    PhantomGenerator.Summary summary =
        PhantomGenerator.generate(dir.resolve("phantom"), 3, PhantomGenerator.Scale.TINY);
    manifestFile = summary.manifest();
    s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
    store = S3BlobStore.connect(s3.settings("frames-activity"));
    DatasetUploader.Upload up = DatasetUploader.upload(summary.manifest(), store, "datasets/tiny");
    manifestUri = store.uri(up.manifestKey());
    context =
        new ActivityContext(
            store, ModelCatalog.load(TestModels.fixtureCatalog()), LabelcurveMetrics.none(), 1);
  }

  @AfterAll
  static void tearDown() throws Exception {
    store.close();
    s3.close();
  }

  static FrameStoreActivities stub(TestActivityEnvironment env) {
    env.registerActivitiesImplementations(
        new FrameStoreActivitiesImpl(context, new Manifests(store), SHARD, 2));
    return env.newActivityStub(
        FrameStoreActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(5))
            // One attempt: the test is the retry.
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  @Test
  void aRetriedRangeResumesAfterItsHeartbeatAndTheStoreServesTheSameImages() throws Exception {
    FrameStoreRequest dataset = new FrameStoreRequest(manifestUri, "tiny-resume");
    TestActivityEnvironment planEnv = TestActivityEnvironment.newInstance();
    FrameStorePlan plan = stub(planEnv).planFrames(dataset);
    planEnv.close();
    assertEquals("frames/tiny-resume/", plan.prefix());
    assertTrue(plan.shards() >= 4, plan.shards() + " shards of " + plan.frames() + " frames");

    // The first attempt stored shards 0 and 1 of the range, heartbeated 1, and its worker died.
    FrameIndex index = FrameStore.readIndex(store, "tiny-resume").orElseThrow();
    FrameStoreBuilder.buildShards(
        store,
        index,
        BlobImageSource.besides(store, store.keyOf(manifestUri)),
        0,
        2,
        -1,
        1,
        s -> {});

    TestActivityEnvironment retry = TestActivityEnvironment.newInstance();
    retry.setHeartbeatDetails(1);
    List<Integer> beats = new CopyOnWriteArrayList<>();
    retry.setActivityHeartbeatListener(Integer.class, beats::add);
    FrameShardsBuilt built =
        stub(retry).buildFrameShards(new FrameShardRange(dataset, 0, plan.shards()));
    retry.close();
    assertEquals(2, built.alreadyStored());
    assertEquals(plan.shards() - 2, built.built());
    assertEquals(plan.frames() - 2 * SHARD, built.frames());
    // The SDK throttles what it sends (the first beat at once, later ones at most every 0.8 x
    // the heartbeat timeout), so the listener sees few beats: none behind the resume position.
    assertTrue(!beats.isEmpty(), "heartbeats sent");
    assertTrue(beats.stream().allMatch(b -> b >= 1), "never behind the resume position: " + beats);

    ImageLoader frames =
        FrameImages.forDataset(
            store,
            "tiny-resume",
            BlobImageSource.besides(store, store.keyOf(manifestUri)),
            Augmentation.DEFAULT);
    assertTrue(frames instanceof FrameImages);
    DatasetImages files = new DatasetImages(LocalImageSource.besides(manifestFile));
    for (int i = 0; i < index.count(); i += 7) {
      String id = index.image(i);
      assertArrayEquals(files.load(id).pixels(), frames.load(id).pixels(), 0f, id);
      String v = Augmentation.variantId(id, 1 + i % 4);
      assertArrayEquals(files.load(v).pixels(), frames.load(v).pixels(), 0f, v);
    }
  }

  @Test
  void anUndecodableImageFailsTheRangeAtOnceAsBadInputNamingIt() throws Exception {
    FrameStoreRequest dataset = new FrameStoreRequest(manifestUri, "tiny-bad");
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    FrameStoreActivities frames = stub(env);
    FrameStorePlan plan = frames.planFrames(dataset);
    FrameIndex index = FrameStore.readIndex(store, "tiny-bad").orElseThrow();
    String victim = index.image(SHARD + 3);
    String key = BlobImageSource.besides(store, store.keyOf(manifestUri)).key(victim);
    byte[] original = store.get(key).orElseThrow();
    store.put(key, java.util.Arrays.copyOf(original, original.length / 3));
    try {
      ActivityFailure failure =
          assertThrows(
              ActivityFailure.class,
              () -> frames.buildFrameShards(new FrameShardRange(dataset, 0, plan.shards())));
      ApplicationFailure cause = (ApplicationFailure) failure.getCause();
      assertEquals(BadInputException.TYPE, cause.getType());
      assertTrue(cause.isNonRetryable());
      assertTrue(cause.getOriginalMessage().contains(victim), cause.getOriginalMessage());
    } finally {
      store.put(key, original);
      env.close();
    }
  }
}
