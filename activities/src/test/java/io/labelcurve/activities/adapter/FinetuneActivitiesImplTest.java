package io.labelcurve.activities.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.finetune.TrainingListener;
import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.TestModels;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.spec.SpecChecks;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finetune cells through Temporal's activity test environment, a TINY phantom in S3Proxy. */
class FinetuneActivitiesImplTest {
  @TempDir static Path dir;
  static EmbeddedS3 s3;
  static S3BlobStore store;
  static DatasetSummary dataset;
  static ActivityContext context;

  @BeforeAll
  static void setUp() throws Exception {
    PhantomGenerator.Summary summary =
        PhantomGenerator.generate(dir.resolve("phantom"), 11, PhantomGenerator.Scale.TINY);
    s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
    store = S3BlobStore.connect(s3.settings("finetune-activity"));
    DatasetUploader.Upload up = DatasetUploader.upload(summary.manifest(), store, "datasets/tiny");
    String uri = store.uri(up.manifestKey());
    dataset =
        SpecChecks.summarise(ManifestReader.read(summary.manifest()), uri, "tiny-digest", "train");
    context =
        new ActivityContext(
            store, ModelCatalog.load(TestModels.fixtureCatalog()), LabelcurveMetrics.none(), 1);
  }

  @AfterAll
  static void tearDown() throws Exception {
    store.close();
    s3.close();
  }

  static FinetuneActivities stub(TestActivityEnvironment env, int checkpointEvery) {
    env.registerActivitiesImplementations(
        new FinetuneActivitiesImpl(context, new Manifests(store), checkpointEvery, 1));
    return env.newActivityStub(
        FinetuneActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(10))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  static FinetuneCellRequest request(String sweep, String model, int size, boolean keep) {
    Cell cell =
        new Cell(
            Cell.idOf(model, "finetune", "image", size, 0),
            model,
            "finetune",
            "image",
            size,
            0,
            false);
    return new FinetuneCellRequest(sweep, cell, dataset, "cpu-small", List.of("T1", "T2"), keep);
  }

  @Test
  void aKilledAttemptResumesFromTheHeartbeatedCheckpointAndEndsWithTheSameMetrics()
      throws Exception {
    // 64 images, cpu-small: batch 16, 1024 samples → 16 epochs of 4 steps = 64 steps.
    TestActivityEnvironment clean = TestActivityEnvironment.newInstance();
    CellResult uninterrupted =
        stub(clean, 10).runFinetuneCell(request("clean", "tiny-cnn", 64, false));
    clean.close();

    // The first attempt runs the activity's own code path outside Temporal (heartbeat listeners
    // of the test environment cannot stop an activity) and dies after the checkpoint of step 30.
    List<String> beats = new ArrayList<>();
    FinetuneActivitiesImpl impl = new FinetuneActivitiesImpl(context, new Manifests(store), 10, 1);
    assertThrows(
        IllegalStateException.class,
        () ->
            impl.run(
                request("kill", "tiny-cnn", 64, false),
                null,
                new TrainingListener() {
                  @Override
                  public void onCheckpoint(long step, String uri) {
                    beats.add(uri);
                    if (step == 30) {
                      throw new IllegalStateException(
                          "worker killed after the checkpoint of step 30");
                    }
                  }
                }));
    String last = beats.get(beats.size() - 1);
    assertTrue(
        last.endsWith("/sweeps/kill/checkpoints/tiny-cnn.finetune.image-64.s0/step-0000030/"),
        last);
    assertFalse(
        store.exists(new SweepStore(store, "kill").cellKey("tiny-cnn.finetune.image-64.s0")));

    TestActivityEnvironment retry = TestActivityEnvironment.newInstance();
    retry.setHeartbeatDetails(last);
    CellResult resumed = stub(retry, 10).runFinetuneCell(request("kill", "tiny-cnn", 64, true));
    retry.close();

    CellRecord rec = new SweepStore(store, "kill").readCell(resumed.cellId()).orElseThrow();
    assertEquals("31", rec.provenance().get("resumed_at_step"), "checkpoint step 30 + 1");
    assertEquals("64", rec.provenance().get("steps"));
    assertEquals("16", rec.provenance().get("epochs"));
    assertTrue(rec.provenance().get("samples_cap").contains("1024"));
    assertEquals("finetune", rec.adaptation());
    assertEquals(4, resumed.scores().size());
    // Bit-for-bit on CPU: the same accuracies at image and sequence level on T1 and T2.
    assertEquals(uninterrupted.scores(), resumed.scores());
    // Checkpoints pruned; the final model kept because the request asked for it.
    List<String> left = store.list("sweeps/kill/checkpoints/");
    assertTrue(left.stream().allMatch(k -> k.contains("/final/")), left.toString());
    assertFalse(left.isEmpty());
    assertTrue(store.list("sweeps/clean/checkpoints/").isEmpty());

    // Idempotent: a finished cell is read back.
    TestActivityEnvironment again = TestActivityEnvironment.newInstance();
    CellResult cached = stub(again, 10).runFinetuneCell(request("kill", "tiny-cnn", 64, true));
    again.close();
    assertTrue(cached.cached());
    assertEquals(resumed.scores(), cached.scores());
  }

  @Test
  void aSmallCpuSweepGivesACurve() throws Exception {
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    FinetuneActivities a = stub(env, 1000);
    List<Double> t1 = new ArrayList<>();
    for (int size : new int[] {16, 128}) {
      CellResult r = a.runFinetuneCell(request("sweep", "tiny-cnn", size, false));
      assertEquals(size, r.trainImages());
      assertTrue(r.trainSeconds() > 0);
      t1.add(r.scores().get(0).accuracy());
      CellRecord rec = new SweepStore(store, "sweep").readCell(r.cellId()).orElseThrow();
      assertTrue(rec.inferMsPerImage() > 0);
      assertEquals(
          String.valueOf(Math.max(1, (1024 + size - 1) / size)), rec.provenance().get("epochs"));
    }
    env.close();
    System.out.println("tiny-cnn finetune, cpu-small, T1 image accuracy at 16/128: " + t1);
  }

  @Test
  void aSequenceSampledCellTrainsOnWholeSequencesOfEveryClassForTheSpecsEpochs() throws Exception {
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    Cell cell =
        new Cell(
            Cell.idOf("tiny-cnn", "finetune", "sequence", 1, 0),
            "tiny-cnn",
            "finetune",
            "sequence",
            1,
            0,
            false);
    // The spec's finetune_epochs (as the paper's Table 6) instead of the rule.
    CellResult r =
        stub(env, 1000)
            .runFinetuneCell(
                new FinetuneCellRequest(
                    "seq", cell, dataset, "cpu-small", List.of("T1", "T2"), false, 2));
    env.close();
    CellRecord rec = new SweepStore(store, "seq").readCell(r.cellId()).orElseThrow();
    assertEquals(Integer.valueOf(1), rec.perClass());
    assertEquals("sequence", rec.sampling());
    // One training sequence of each class, every frame with its 4 augmented variants.
    List<String> ids =
        List.of(
            new String(
                    store.get(new SweepStore(store, "seq").sampledIdsKey(r.cellId())).orElseThrow(),
                    java.nio.charset.StandardCharsets.UTF_8)
                .strip()
                .split("\n"));
    assertEquals(r.trainImages(), ids.size());
    assertEquals(0, ids.size() % 5, "frames x (1 + 4 variants): " + ids.size());
    assertTrue(ids.size() >= 5 * dataset.classes().size(), ids.size() + " images");
    assertEquals("2", rec.provenance().get("epochs"));
    assertEquals("spec finetune_epochs", rec.provenance().get("epochs_from"));
    // The HF Trainer's clipping by default; tiny-cnn has no finetune_head: torch.nn.Linear's.
    assertEquals("1.0", rec.provenance().get("max_grad_norm"));
    assertTrue(
        rec.provenance().get("head").contains("torch.nn.Linear init"),
        rec.provenance().get("head"));
    assertEquals(
        String.valueOf(2 * ((ids.size() + 15) / 16)),
        rec.provenance().get("steps"),
        "2 epochs of batch 16");
    assertEquals(4, r.scores().size());
  }
}
