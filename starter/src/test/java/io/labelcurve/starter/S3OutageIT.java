package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.results.ResultsCsv;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3Settings;
import io.labelcurve.activities.storage.StandaloneS3;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.worker.EmbeddedControlPlane;
import io.labelcurve.worker.WorkerRuntime;
import io.labelcurve.worker.WorkerSettings;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.labelcurve.workflows.sweep.SweepRequest;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bucket goes away for two minutes in the middle of a sweep: S3Proxy runs in a JVM of its own
 * ({@link StandaloneS3}) and is killed once the sweep has finished a few cells, then started again
 * on the same folder and port. The embedding worker is a {@code labelcurve worker} JVM of its own;
 * probe cells and bookkeeping run in the control plane's JVM. The sweep must complete with every
 * cell exactly once in results.csv, the same accuracies as an undisturbed sweep of the same spec,
 * and attempts past the first in its history (the outage was ridden out by retries, not missed).
 * Takes about five minutes, two of them the outage.
 */
class S3OutageIT {
  static final String MODEL = "random-resnet18";
  static final long OUTAGE_MILLIS = TimeUnit.MINUTES.toMillis(2);

  @TempDir Path dir;

  @Test
  void aTwoMinuteBucketOutageMidSweepCostsOnlyRetries() throws Exception {
    int s3Port = LabelcurveProcesses.freePort();
    Path bucketDir = Files.createDirectories(dir.resolve("s3"));
    Path s3Log = dir.resolve("s3-1.log");
    Process s3 = startS3(bucketDir, s3Port, s3Log);
    Process worker = null;
    try {
      S3Settings bucket =
          new S3Settings(
              "http://127.0.0.1:" + s3Port,
              "us-east-1",
              S3Settings.DEFAULT_BUCKET,
              EmbeddedS3.ACCESS_KEY,
              EmbeddedS3.SECRET_KEY,
              true,
              true);
      Path models = Files.createDirectories(dir.resolve("models"));
      ModelCatalog catalog = ModelCatalog.load(models);
      try (EmbeddedControlPlane plane =
          EmbeddedControlPlane.startOn(
              new EmbeddedControlPlane.Options(
                  dir.resolve("data"),
                  LabelcurveProcesses.freePort(),
                  0,
                  0,
                  catalog,
                  1,
                  Set.of(WorkerRuntime.CPU_QUEUE)),
              bucket)) {
        PhantomGenerator.Summary phantom =
            PhantomGenerator.generate(dir.resolve("phantom"), 5, PhantomGenerator.Scale.TINY);
        String manifest =
            plane
                .store()
                .uri(
                    DatasetUploader.upload(phantom.manifest(), plane.store(), "datasets/tiny/")
                        .manifestKey());
        Path workerLog = dir.resolve("worker.log");
        Map<String, String> env = LabelcurveProcesses.connectedTo(plane);
        env.put(WorkerSettings.SHARD_SIZE_ENV, null);
        worker =
            LabelcurveProcesses.start(
                workerLog,
                env,
                List.of(
                    "worker",
                    "--queues",
                    WorkerRuntime.GPU_QUEUE + "," + WorkerRuntime.EMBED_QUEUE,
                    "--no-workflows",
                    "--metrics-port",
                    "0",
                    "--metrics-bind",
                    "127.0.0.1",
                    "--models",
                    models.toString()));

        SweepSpec spec = spec("outage", manifest);
        WorkflowStub sweep = start(plane.client(), spec);
        // Mid-sweep: a few cells are in the bucket, most are not.
        long deadline = System.currentTimeMillis() + TimeUnit.MINUTES.toMillis(8);
        while (new SweepStore(plane.store(), spec.id()).finishedCells().size() < 2) {
          assertTrue(worker.isAlive(), LabelcurveProcesses.read(workerLog));
          if (System.currentTimeMillis() > deadline) {
            fail("no cell finished in 8 minutes\n" + LabelcurveProcesses.read(workerLog));
          }
          Thread.sleep(100);
        }
        s3.destroyForcibly();
        assertTrue(s3.waitFor(30, TimeUnit.SECONDS));
        long down = System.currentTimeMillis();
        Thread.sleep(OUTAGE_MILLIS);
        assertFalse(isClosed(plane, spec.id()), "the sweep was still running after the outage");
        s3 = startS3(bucketDir, s3Port, dir.resolve("s3-2.log"));
        long up = System.currentTimeMillis();

        SweepResult result = sweep.getResult(8, TimeUnit.MINUTES, SweepResult.class);
        int planned = result.cells();
        assertTrue(planned >= 20, "cells planned: " + planned);
        assertEquals(planned, result.cellsDone(), result.toString());
        assertEquals(0, result.cellsFailed(), result.toString());
        assertTrue(up - down >= OUTAGE_MILLIS);
        assertTrue(
            maxAttempt(plane, ModelSweepWorkflow.workflowId(spec.id(), MODEL)) > 1,
            "some activity was retried across the outage");
        Map<String, String> disturbed = results(plane, spec.id(), planned);

        // The same spec undisturbed (its embeddings come from the cache; the cells run again).
        SweepSpec again = spec("undisturbed", manifest);
        SweepResult reference =
            start(plane.client(), again).getResult(8, TimeUnit.MINUTES, SweepResult.class);
        assertEquals(planned, reference.cells());
        assertEquals(planned, reference.cellsDone());
        assertEquals(
            results(plane, again.id(), planned),
            disturbed,
            "the same accuracies as an undisturbed sweep");
      }
    } finally {
      s3.destroyForcibly();
      if (worker != null) {
        worker.destroyForcibly();
        worker.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static SweepSpec spec(String id, String manifest) {
    return new SweepSpec(
        id,
        manifest,
        "train",
        List.of("T1"),
        List.of(MODEL),
        List.of("linear-probe"),
        List.of(
            new SamplingSpec(SamplingSpec.IMAGE, List.of(16, 32, 64), false),
            new SamplingSpec(SamplingSpec.SEQUENCE, List.of(1, 2), false)),
        4,
        "cpu-small",
        2);
  }

  private static WorkflowStub start(WorkflowClient client, SweepSpec spec) {
    SweepWorkflow sweep =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(spec.id())
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    WorkflowClient.start(sweep::run, SweepRequest.all(spec));
    return WorkflowStub.fromTyped(sweep);
  }

  private static Process startS3(Path folder, int port, Path log) throws Exception {
    Process p =
        LabelcurveProcesses.startMain(
            StandaloneS3.class, log, Map.of(), List.of(folder.toString(), String.valueOf(port)));
    LabelcurveProcesses.await(
        p,
        log,
        1,
        100,
        "S3Proxy",
        () -> LabelcurveProcesses.read(log).contains(StandaloneS3.READY) ? true : null);
    return p;
  }

  private static boolean isClosed(EmbeddedControlPlane plane, String id) {
    return plane.client().newUntypedWorkflowStub(id).describe().getStatus()
        != io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  /** The highest attempt any activity of the workflow's current run completed or failed on. */
  private static int maxAttempt(EmbeddedControlPlane plane, String workflowId) {
    int max = 0;
    for (HistoryEvent e : plane.client().fetchHistory(workflowId).getHistory().getEventsList()) {
      if (e.hasActivityTaskStartedEventAttributes()) {
        max = Math.max(max, e.getActivityTaskStartedEventAttributes().getAttempt());
      }
    }
    return max;
  }

  /**
   * results.csv as (cell, test split, level) → accuracy, the sweep id left out; fails when a row
   * appears twice or a planned cell is missing.
   */
  static Map<String, String> results(EmbeddedControlPlane plane, String sweepId, int planned)
      throws IOException {
    String csv = new SweepStore(plane.store(), sweepId).readResults().orElseThrow();
    Map<String, String> out = new LinkedHashMap<>();
    Set<String> cells = new TreeSet<>();
    for (ResultsCsv.Row r : ResultsCsv.parse(csv)) {
      String key = r.cell() + "|" + r.testSplit() + "|" + r.level();
      // As written: results.csv keeps six decimals.
      String accuracy = String.format(Locale.ROOT, "%.6f", r.accuracy());
      if (out.put(key, accuracy) != null) {
        fail("results.csv of " + sweepId + " has " + key + " twice");
      }
      cells.add(r.cell());
    }
    assertEquals(planned, cells.size(), "every cell in results.csv of " + sweepId);
    return out;
  }
}
