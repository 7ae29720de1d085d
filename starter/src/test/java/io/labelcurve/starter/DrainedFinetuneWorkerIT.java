package io.labelcurve.starter;

import static io.labelcurve.starter.KilledFinetuneWorkerIT.startWorker;
import static io.labelcurve.starter.KilledFinetuneWorkerIT.stepOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.labelcurve.activities.adapter.FinetuneActivitiesImpl;
import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.finetune.Checkpoints;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.worker.EmbeddedControlPlane;
import io.labelcurve.worker.WorkerRuntime;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.labelcurve.workflows.sweep.SweepRequest;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends SIGTERM ({@code Process.destroy()}) to a finetune worker ({@code labelcurve worker --queues
 * labelcurve-gpu --no-workflows}, its own JVM) in the middle of a finetune cell and starts another
 * one, as a rollout does. The first worker must drain: its training checkpoints the step it is at
 * and ends its attempt with a retryable failure, the process exits well within its drain period,
 * and the retry starts on the second worker within seconds, not after the 2-minute heartbeat
 * timeout that a killed worker costs ({@link KilledFinetuneWorkerIT}), resuming from the checkpoint
 * written at shutdown. The cell ends with the same metrics as an uninterrupted run.
 *
 * <p>Same fixture as {@link KilledFinetuneWorkerIT}: {@code tiny-cnn} at the {@code paper} preset,
 * 2,048 steps of 8 images, one PyTorch thread in every JVM (bit-exact across a resume on a CPU).
 * Takes about a minute and a half on 2 cores.
 */
class DrainedFinetuneWorkerIT {
  static final String MODEL = KilledFinetuneWorkerIT.MODEL;
  static final int SIZE = KilledFinetuneWorkerIT.SIZE;
  static final int CHECKPOINT_EVERY = KilledFinetuneWorkerIT.CHECKPOINT_EVERY;

  /** The first worker's drain period: it must exit well within it. */
  static final int DRAIN_SECONDS = 30;

  @TempDir Path dir;

  @Test
  void aDrainedWorkerHandsItsCheckpointToAnImmediateRetryAndTheMetricsStayTheSame()
      throws Exception {
    long start = System.nanoTime();
    System.setProperty("labelcurve.torch.threads", "1");
    Path data = dir.resolve("data");
    Path models = Files.createDirectories(dir.resolve("models"));
    Path tiny = Files.createDirectories(models.resolve(MODEL));
    for (String f : List.of("model.json", "encoder.pt")) {
      Files.copy(KilledFinetuneWorkerIT.TINY_MODEL.resolve(f), tiny.resolve(f));
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
      String manifestUri =
          plane
              .store()
              .uri(
                  DatasetUploader.upload(phantom.manifest(), plane.store(), "datasets/tiny/")
                      .manifestKey());
      SweepSpec spec =
          new SweepSpec(
              "drained-finetune",
              manifestUri,
              "train",
              List.of("T1", "T2"),
              List.of(MODEL),
              List.of("finetune"),
              List.of(new SamplingSpec(SamplingSpec.IMAGE, List.of(SIZE), false)),
              1,
              KilledFinetuneWorkerIT.PRESET,
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
      String modelWorkflow = ModelSweepWorkflow.workflowId(spec.id(), MODEL);
      String cellsPrefix = "sweeps/" + spec.id() + "/cells/";

      Path log1 = dir.resolve("worker-1.log");
      Process first =
          startWorker(plane, models, log1, "--drain-seconds", String.valueOf(DRAIN_SECONDS));
      Process second = null;
      try {
        // Training has checkpointed and the server has heard of it: the moment of a rollout.
        String heartbeat =
            LabelcurveProcesses.await(
                first,
                log1,
                4,
                100,
                "heartbeat naming a complete checkpoint",
                () -> {
                  if (!plane.store().list(cellsPrefix).isEmpty()) {
                    fail("the cell finished before the worker could be stopped\n" + read(log1));
                  }
                  String h =
                      LabelcurveProcesses.pendingHeartbeats(plane, modelWorkflow, String.class)
                          .stream()
                          .filter(v -> !v.isBlank())
                          .findFirst()
                          .orElse(null);
                  return h != null
                          && plane.store().exists(plane.store().keyOf(h) + Checkpoints.STATE)
                      ? h
                      : null;
                });
        String cellPrefix = plane.store().keyOf(heartbeat);
        cellPrefix = cellPrefix.substring(0, cellPrefix.length() - "step-0000000/".length());
        Checkpoints cellCheckpoints =
            new Checkpoints(plane.store(), cellPrefix, FinetuneActivitiesImpl.KEEP_CHECKPOINTS);
        String newestBeforeTerm = cellCheckpoints.newest().orElseThrow();

        long term = System.nanoTime();
        System.out.printf("SIGTERM %.1f s into the test%n", (term - start) / 1e9);
        CompletableFuture<Long> exited = first.onExit().thenApply(p -> System.nanoTime());
        first.destroy(); // SIGTERM
        second =
            startWorker(
                plane,
                models,
                dir.resolve("worker-2.log"),
                "--drain-seconds",
                String.valueOf(DRAIN_SECONDS));
        long secondPid = second.pid();

        // The retry's start: the first pending attempt (>= 2) started by the second worker (the
        // SDK's default identity is pid@host).
        Set<String> seen = new LinkedHashSet<>(); // what the server said, for a failure message
        PendingActivityInfo retry;
        try {
          retry =
              LabelcurveProcesses.await(
                  second,
                  dir.resolve("worker-2.log"),
                  3,
                  100,
                  "retry started on the second worker",
                  () -> {
                    for (PendingActivityInfo a :
                        LabelcurveProcesses.pendingActivities(plane, modelWorkflow)) {
                      seen.add(
                          "attempt "
                              + a.getAttempt()
                              + " "
                              + a.getState()
                              + " "
                              + a.getLastWorkerIdentity());
                      if (a.getAttempt() >= 2
                          && a.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
                          && a.getLastWorkerIdentity().startsWith(secondPid + "@")) {
                        return a;
                      }
                    }
                    if (!plane.store().list(cellsPrefix).isEmpty()) {
                      fail(
                          "the cell finished before its retry was seen\n"
                              + read(log1)
                              + "\n"
                              + read(dir.resolve("worker-2.log")));
                    }
                    return null;
                  });
        } catch (AssertionError e) {
          throw new AssertionError(
              e.getMessage()
                  + "\nattempts seen (worker 1 pid "
                  + first.pid()
                  + "): "
                  + seen
                  + "\nworker 1:\n"
                  + read(log1),
              e);
        }
        double retrySeconds = (System.nanoTime() - term) / 1e9;

        assertTrue(
            first.waitFor(DRAIN_SECONDS + 15, TimeUnit.SECONDS),
            () -> "the drained worker did not exit\n" + read(log1));
        double exitSeconds = (exited.get() - term) / 1e9;
        String retryHeartbeat =
            retry.hasHeartbeatDetails()
                ? DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
                    0, Optional.of(retry.getHeartbeatDetails()), String.class, String.class)
                : null;
        System.out.printf(
            "SIGTERM after the server's heartbeat %s (newest %s): worker 1 exited"
                + " after %.1f s; retry (attempt %d, heartbeat details %s) started on worker 2 after"
                + " %.1f s%n",
            heartbeat,
            newestBeforeTerm,
            exitSeconds,
            retry.getAttempt(),
            retryHeartbeat,
            retrySeconds);
        String log = read(log1);
        log.lines()
            .filter(l -> l.contains("drain") || l.contains("stopp"))
            .forEach(l -> System.out.println("worker 1: " + l));
        assertTrue(log.contains("draining 1 activities for up to " + DRAIN_SECONDS + " s"), log);
        assertTrue(log.contains("drained in"), log);
        assertFalse(log.contains("were interrupted"), log);
        assertTrue(exitSeconds < DRAIN_SECONDS, () -> exitSeconds + " s\n" + log);
        // Not after the heartbeat timeout (2 minutes): at once, plus the second JVM's start.
        assertTrue(retrySeconds < 60, () -> "retry after " + retrySeconds + " s");

        // While the retry trains: the same cell, uninterrupted, here (one intra-op thread).
        Encoders.setIntraOpThreads(1);
        long r0 = System.nanoTime();
        CellRecord reference =
            KilledFinetuneWorkerIT.reference(plane, catalog, phantom, manifestUri);
        long r1 = System.nanoTime();
        SweepResult result =
            WorkflowStub.fromTyped(sweep).getResult(8, TimeUnit.MINUTES, SweepResult.class);
        System.out.printf(
            "reference run %.1f s, then the sweep's end %.1f s later%n",
            (r1 - r0) / 1e9, (System.nanoTime() - r1) / 1e9);
        assertEquals(1, result.cells(), () -> result.toString());
        assertEquals(1, result.cellsDone(), () -> result.models().toString());
        assertEquals(
            1,
            plane.store().list(cellsPrefix).stream().filter(k -> k.endsWith(".json")).count(),
            "one cell record");

        CellRecord resumed =
            new SweepStore(plane.store(), spec.id()).readCell(reference.cell()).orElseThrow();
        Map<String, String> p = resumed.provenance();
        String from = p.get("resumed_from");
        assertTrue(
            from != null && stepOf(from) >= stepOf(newestBeforeTerm),
            () -> p + "\nnewest before SIGTERM " + newestBeforeTerm);
        assertEquals(String.valueOf(stepOf(from) + 1), p.get("resumed_at_step"));
        assertEquals(reference.provenance().get("steps"), p.get("steps"));
        assertNull(reference.provenance().get("resumed_from"));
        System.out.printf(
            "resumed from %s at step %s of %s; final loss %s, uninterrupted %s%n",
            from,
            p.get("resumed_at_step"),
            p.get("steps"),
            p.get("final_loss"),
            reference.provenance().get("final_loss"));

        assertEquals(reference.scores().size(), resumed.scores().size());
        for (int i = 0; i < reference.scores().size(); i++) {
          CellRecord.Score r = reference.scores().get(i);
          CellRecord.Score s = resumed.scores().get(i);
          assertEquals(
              r.split() + "/" + r.level() + "/" + r.n(), s.split() + "/" + s.level() + "/" + s.n());
          assertEquals(r.accuracy(), s.accuracy(), 1e-6, r.split() + "/" + r.level());
        }
        KilledFinetuneWorkerIT.assertSameFinalLoss(reference, resumed);
        // The finished cell's checkpoints and hand-over are gone.
        assertTrue(plane.store().list("sweeps/" + spec.id() + "/checkpoints/").isEmpty());
      } finally {
        first.destroyForcibly();
        if (second != null) {
          second.destroyForcibly();
          second.waitFor(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static String read(Path log) {
    return LabelcurveProcesses.read(log);
  }
}
