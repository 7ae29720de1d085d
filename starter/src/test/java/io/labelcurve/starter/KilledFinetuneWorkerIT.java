package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.labelcurve.activities.adapter.FinetuneActivitiesImpl;
import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.finetune.Checkpoints;
import io.labelcurve.activities.finetune.TrainingListener;
import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.spec.SpecChecks;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.worker.EmbeddedControlPlane;
import io.labelcurve.worker.WorkerRuntime;
import io.labelcurve.worker.WorkerSettings;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.labelcurve.workflows.sweep.SweepRequest;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the process of a finetune worker ({@code labelcurve worker --queues labelcurve-gpu
 * --no-workflows}, a real separate JVM) in the middle of a finetune cell, starts another one, and
 * checks that the retry resumed from the newest complete checkpoint (its first step is that
 * checkpoint's step + 1) and that the cell ends with the same metrics as an uninterrupted run of
 * the same cell and seed, trained in this JVM.
 *
 * <p>The model is the {@code tiny-cnn} fixture (copied from the activities' test resources) at the
 * {@code paper} preset: its own 64-pixel input, batches of 8 and 16,384 samples seen, i.e. 2,048
 * steps for 128 images, long enough (tens of seconds on a CPU) to be killed mid-way once the server
 * holds a heartbeat naming a complete checkpoint (the GPU worker sends heartbeats at most 5 s
 * apart). At {@code cpu-small} the same cell has 64 steps, over in about a second. Both worker
 * processes and this JVM run PyTorch on one intra-op thread, which makes training on a CPU
 * bit-exact across a resume. The retry starts once the killed attempt's heartbeat times out (2
 * minutes, {@code ActivityOptionsCatalog.finetuneCell()}), so this test takes about three minutes.
 */
class KilledFinetuneWorkerIT {
  static final String MODEL = "tiny-cnn";
  static final Path TINY_MODEL = Path.of("../activities/src/test/resources/models/tiny-cnn");
  static final int SIZE = 128;
  static final int CHECKPOINT_EVERY = 10;
  static final String PRESET = "paper";
  static final Pattern STEP = Pattern.compile("/step-(\\d{7,})/$");

  @TempDir Path dir;

  @Test
  void aKilledWorkersRetryResumesFromTheNewestCheckpointAndGivesTheSameMetrics() throws Exception {
    System.setProperty("labelcurve.torch.threads", "1");
    Path data = dir.resolve("data");
    Path models = Files.createDirectories(dir.resolve("models"));
    Path tiny = Files.createDirectories(models.resolve(MODEL));
    for (String f : List.of("model.json", "encoder.pt")) {
      Files.copy(TINY_MODEL.resolve(f), tiny.resolve(f));
    }
    ModelCatalog catalog = ModelCatalog.load(models);
    try (EmbeddedControlPlane plane =
        EmbeddedControlPlane.start(
            new EmbeddedControlPlane.Options(
                data,
                LabelcurveProcesses.freePort(),
                0,
                0,
                catalog,
                2,
                Set.of(WorkerRuntime.CPU_QUEUE)))) {
      PhantomGenerator.Summary phantom =
          PhantomGenerator.generate(dir.resolve("phantom"), 5, PhantomGenerator.Scale.TINY);
      String manifestKey =
          DatasetUploader.upload(phantom.manifest(), plane.store(), "datasets/tiny/").manifestKey();
      String manifestUri = plane.store().uri(manifestKey);
      SweepSpec spec =
          new SweepSpec(
              "killed-finetune",
              manifestUri,
              "train",
              List.of("T1", "T2"),
              List.of(MODEL),
              List.of("finetune"),
              List.of(new SamplingSpec(SamplingSpec.IMAGE, List.of(SIZE), false)),
              1,
              PRESET,
              1);
      SweepWorkflow sweep =
          plane
              .client()
              .newWorkflowStub(
                  SweepWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setWorkflowId(spec.id())
                      .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                      .build());
      WorkflowClient.start(sweep::run, SweepRequest.all(spec));

      Path log1 = dir.resolve("worker-1.log");
      Process first = startWorker(plane, models, log1);
      String checkpointsPrefix = "sweeps/" + spec.id() + "/checkpoints/";
      // Wait until the server holds a heartbeat naming a complete checkpoint, then kill.
      String heartbeat =
          LabelcurveProcesses.killWhen(
              first,
              log1,
              4,
              100,
              "heartbeat naming a complete checkpoint",
              () -> {
                if (!plane.store().list("sweeps/" + spec.id() + "/cells/").isEmpty()) {
                  fail("the cell finished before the worker could be killed\n" + read(log1));
                }
                String h = heartbeat(plane, spec.id());
                return h != null && plane.store().exists(plane.store().keyOf(h) + Checkpoints.STATE)
                    ? h
                    : null;
              });
      long heartbeatStep = stepOf(heartbeat);
      String cellPrefix = plane.store().keyOf(heartbeat);
      cellPrefix = cellPrefix.substring(0, cellPrefix.length() - "step-0000000/".length());
      Checkpoints atKill =
          new Checkpoints(plane.store(), cellPrefix, FinetuneActivitiesImpl.KEEP_CHECKPOINTS);
      String newestAtKill = atKill.newest().orElseThrow();
      assertTrue(stepOf(newestAtKill) >= heartbeatStep, newestAtKill + " vs " + heartbeat);
      // What the retry gets as heartbeat details: the server's last heartbeat of the killed
      // attempt (the one seen above, or one sent just before the kill). The retry resumes from
      // it, or from the newest complete checkpoint when it has been pruned since.
      String lastHeartbeat = heartbeat(plane, spec.id());
      assertNotNull(lastHeartbeat);
      assertTrue(stepOf(lastHeartbeat) >= heartbeatStep, lastHeartbeat + " vs " + heartbeat);
      String expectedResume = atKill.isComplete(lastHeartbeat) ? lastHeartbeat : newestAtKill;
      assertTrue(
          plane.store().list("sweeps/" + spec.id() + "/cells/").isEmpty(),
          "the cell finished before the kill");

      Path log2 = dir.resolve("worker-2.log");
      Process second = startWorker(plane, models, log2);
      SweepResult result;
      CellRecord reference;
      try {
        // While the killed attempt's heartbeat times out: the same cell, uninterrupted, here,
        // with the worker's one intra-op thread (LABELCURVE_TORCH_THREADS=1 there).
        Encoders.setIntraOpThreads(1);
        reference = reference(plane, catalog, phantom, manifestUri);
        result = awaitSweep(plane, sweep, spec.id(), second, log2);
      } finally {
        second.destroyForcibly();
        second.waitFor(30, TimeUnit.SECONDS);
      }
      assertEquals(1, result.cells(), () -> result.toString());
      assertEquals(result.cells(), result.cellsDone(), () -> result.models().toString());

      CellRecord resumed =
          new SweepStore(plane.store(), spec.id()).readCell(reference.cell()).orElseThrow();
      Map<String, String> p = resumed.provenance();
      // The retry started from the newest heartbeated checkpoint (or a later one written before
      // the kill), at its step + 1.
      assertEquals(expectedResume, p.get("resumed_from"), () -> p + "\n" + read(log2));
      assertEquals(String.valueOf(stepOf(expectedResume) + 1), p.get("resumed_at_step"));
      assertTrue(stepOf(expectedResume) < Long.parseLong(p.get("steps")), p::toString);
      assertEquals(reference.provenance().get("steps"), p.get("steps"));
      assertEquals(String.valueOf(CHECKPOINT_EVERY), p.get("checkpoint_every"));
      assertNull(reference.provenance().get("resumed_from"));

      System.out.printf(
          "killed after the server's heartbeat %s (last %s, newest complete %s);"
              + " resumed from %s at step %s of %s%n",
          heartbeat,
          lastHeartbeat,
          newestAtKill,
          p.get("resumed_from"),
          p.get("resumed_at_step"),
          p.get("steps"));

      // The same metrics as the uninterrupted run (bit-exact on a CPU with one thread).
      assertEquals(4, resumed.scores().size());
      assertEquals(reference.scores().size(), resumed.scores().size());
      for (int i = 0; i < reference.scores().size(); i++) {
        CellRecord.Score r = reference.scores().get(i);
        CellRecord.Score s = resumed.scores().get(i);
        assertEquals(r.split(), s.split());
        assertEquals(r.level(), s.level());
        assertEquals(r.n(), s.n());
        assertEquals(r.accuracy(), s.accuracy(), 1e-6, r.split() + "/" + r.level());
      }
      assertSameFinalLoss(reference, resumed);
      assertEquals(
          new String(
              plane.store().get(reference.sampledIds()).orElseThrow(), StandardCharsets.UTF_8),
          new String(
              plane.store().get(resumed.sampledIds()).orElseThrow(), StandardCharsets.UTF_8));
      // The finished cell's checkpoints are gone.
      assertTrue(
          plane.store().list(checkpointsPrefix).isEmpty(),
          () -> safeList(plane, checkpointsPrefix).toString());
    }
  }

  /** The cell trained uninterrupted in this JVM, into sweep {@code reference}. */
  static CellRecord reference(
      EmbeddedControlPlane plane,
      ModelCatalog catalog,
      PhantomGenerator.Summary phantom,
      String manifestUri)
      throws IOException {
    DatasetSummary dataset =
        SpecChecks.summarise(
            ManifestReader.read(phantom.manifest()), manifestUri, "reference", "train");
    Cell cell =
        new Cell(
            Cell.idOf(MODEL, "finetune", SamplingSpec.IMAGE, SIZE, 0),
            MODEL,
            "finetune",
            SamplingSpec.IMAGE,
            SIZE,
            0,
            false);
    FinetuneActivitiesImpl impl =
        new FinetuneActivitiesImpl(
            new ActivityContext(plane.store(), catalog, LabelcurveMetrics.none(), 1),
            new Manifests(plane.store()),
            CHECKPOINT_EVERY,
            1);
    impl.run(
        new FinetuneCellRequest("reference", cell, dataset, PRESET, List.of("T1", "T2"), false),
        null,
        new TrainingListener() {});
    return new SweepStore(plane.store(), "reference").readCell(cell.id()).orElseThrow();
  }

  /**
   * The resumed cell's last training loss is the uninterrupted run's, to 1e-3 of it. A resume in
   * the same process is bit for bit ({@code FinetuneTrainerTest}: every loss after the resume
   * equal); across processes it nearly always is too (these tests asked for 1e-6), but one CI run
   * ended 3e-4 off a loss of about 1.7 (the machine loaded, the drain at step 519 of 2,048), its
   * accuracies still equal. Not explained yet (docs/RELIABILITY.md says what was ruled out); the
   * accuracies and the exact resume step stay the checks that matter.
   */
  static void assertSameFinalLoss(CellRecord reference, CellRecord resumed) {
    double want = Double.parseDouble(reference.provenance().get("final_loss"));
    assertEquals(
        want,
        Double.parseDouble(resumed.provenance().get("final_loss")),
        1e-3 * Math.abs(want),
        "final loss");
  }

  /**
   * The sweep's result, waited for up to 8 minutes while {@code worker} lives: a worker that dies
   * fails the test at once with its log, and a sweep that does not end fails it with what its model
   * and cell workflows wait on (CI saw one such timeout with nothing to go on).
   */
  static SweepResult awaitSweep(
      EmbeddedControlPlane plane, SweepWorkflow sweep, String sweepId, Process worker, Path log)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
    while (true) {
      try {
        return WorkflowStub.fromTyped(sweep).getResult(10, TimeUnit.SECONDS, SweepResult.class);
      } catch (TimeoutException e) {
        assertTrue(worker.isAlive(), () -> "worker 2 died:\n" + read(log));
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "the sweep did not end within 8 minutes of the kill\n"
                  + LabelcurveProcesses.stateOf(
                      plane, ModelSweepWorkflow.workflowId(sweepId, MODEL))
                  + "worker 2:\n"
                  + read(log),
              e);
        }
      }
    }
  }

  static long stepOf(String checkpointUri) {
    Matcher m = STEP.matcher(checkpointUri);
    assertTrue(m.find(), checkpointUri);
    return Long.parseLong(m.group(1));
  }

  /** The checkpoint URI the server holds as the pending finetune's heartbeat, or null. */
  private static String heartbeat(EmbeddedControlPlane plane, String sweepId) {
    return LabelcurveProcesses.pendingHeartbeats(
            plane, ModelSweepWorkflow.workflowId(sweepId, MODEL), String.class)
        .stream()
        .filter(v -> !v.isBlank())
        .findFirst()
        .orElse(null);
  }

  private static List<String> safeList(EmbeddedControlPlane plane, String prefix) {
    try {
      return plane.store().list(prefix);
    } catch (IOException e) {
      return List.of(e.toString());
    }
  }

  /**
   * A GPU-queue worker in its own JVM with one intra-op thread and a checkpoint every {@value
   * #CHECKPOINT_EVERY} steps; {@code more} are further worker flags (DrainedFinetuneWorkerIT's
   * drain period).
   */
  static Process startWorker(EmbeddedControlPlane plane, Path models, Path log, String... more)
      throws IOException {
    Map<String, String> env = LabelcurveProcesses.connectedTo(plane);
    env.put(WorkerSettings.CHECKPOINT_EVERY_ENV, String.valueOf(CHECKPOINT_EVERY));
    env.put("LABELCURVE_TORCH_THREADS", "1");
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "worker",
                "--queues",
                WorkerRuntime.GPU_QUEUE,
                "--no-workflows",
                "--metrics-port",
                "0",
                "--metrics-bind",
                "127.0.0.1",
                "--models",
                models.toString()));
    args.addAll(List.of(more));
    return LabelcurveProcesses.start(log, env, args);
  }

  private static String read(Path log) {
    return LabelcurveProcesses.read(log);
  }
}
