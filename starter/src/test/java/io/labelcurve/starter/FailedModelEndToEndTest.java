package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.adapter.DatasetActivitiesImpl;
import io.labelcurve.activities.adapter.EmbeddingActivitiesImpl;
import io.labelcurve.activities.adapter.FrameStoreActivitiesImpl;
import io.labelcurve.activities.adapter.ProbeActivitiesImpl;
import io.labelcurve.activities.adapter.ResultActivitiesImpl;
import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.worker.EmbeddedControlPlane;
import io.labelcurve.worker.WorkerRuntime;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model workflow fails for good, with every real activity around it: the sweep has two models,
 * the built-in random ResNet-18 and {@code broken}, whose TorchScript file is garbage. The broken
 * model's cells fail with the loader's message (the corrupt-model case: its workflow records them
 * and would complete), and the one fault injected here makes the bucket refuse its failure list for
 * good, so its model workflow fails. The other model's cells must all finish and be in results.csv
 * and the report, the sweep must end failed only after that, naming the broken model and why, and
 * {@code sweep status} must say so.
 *
 * <p>The control plane's JVM runs only the workflows; the activities run on a worker of this test's
 * own (the real implementations, the injected fault wrapped around the failure list) so that the
 * fault can be injected. The outage and drain cases run workers in JVMs of their own.
 */
class FailedModelEndToEndTest {
  static final String GOOD = "random-resnet18";
  static final String BROKEN = "broken";

  @TempDir Path dir;

  @Test
  void aFailedModelWorkflowLeavesTheOtherModelsResultsAndReportAndIsNamedByStatus()
      throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    Path broken = Files.createDirectories(models.resolve(BROKEN));
    Files.writeString(
        broken.resolve("model.json"),
        """
        {"id": "broken", "description": "a TorchScript file that is not one", "format":
         "torchscript", "file": "encoder.pt", "input": {"channels": 3, "size": 64, "resize": 72},
         "normalization": {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]},
         "embedding_dim": 16, "params_m": 0.1}
        """);
    Files.write(broken.resolve("encoder.pt"), "not a zip archive".getBytes(StandardCharsets.UTF_8));
    ModelCatalog catalog = ModelCatalog.load(models);
    try (EmbeddedControlPlane plane =
        EmbeddedControlPlane.start(
            new EmbeddedControlPlane.Options(
                dir.resolve("data"), LabelcurveProcesses.freePort(), 0, 0, catalog, 1, Set.of()))) {
      WorkerFactory factory = WorkerFactory.newInstance(plane.client());
      try {
        startActivityWorkers(factory, plane, catalog);
        PhantomGenerator.Summary phantom =
            PhantomGenerator.generate(dir.resolve("phantom"), 5, PhantomGenerator.Scale.TINY);
        String manifest =
            plane
                .store()
                .uri(
                    DatasetUploader.upload(phantom.manifest(), plane.store(), "datasets/tiny/")
                        .manifestKey());
        SweepSpec spec =
            new SweepSpec(
                "failed-model",
                manifest,
                "train",
                List.of("T1"),
                List.of(GOOD, BROKEN),
                List.of("linear-probe"),
                List.of(new SamplingSpec(SamplingSpec.IMAGE, List.of(16, 32), false)),
                2,
                "cpu-small",
                2);
        SweepLauncher.start(plane.client(), spec);
        WorkflowFailedException failed =
            assertThrows(
                WorkflowFailedException.class,
                () ->
                    plane
                        .client()
                        .newUntypedWorkflowStub(spec.id())
                        .getResult(8, TimeUnit.MINUTES, Object.class));
        String why = failed.getCause().getMessage();
        assertTrue(why.contains(BROKEN) && why.contains("injected"), why);

        // The good model ran to its end: its workflow completed, all its cells are in the
        // bucket, in results.csv and in the report.
        assertEquals(
            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
            plane
                .client()
                .newUntypedWorkflowStub(ModelSweepWorkflow.workflowId(spec.id(), GOOD))
                .describe()
                .getStatus());
        Set<String> finished = new SweepStore(plane.store(), spec.id()).finishedCells();
        assertEquals(4, finished.size(), finished.toString());
        assertTrue(finished.stream().allMatch(id -> id.startsWith(GOOD)), finished.toString());
        String csv = new SweepStore(plane.store(), spec.id()).readResults().orElseThrow();
        for (String cell : finished) {
          assertTrue(csv.contains("," + cell + ","), cell + " in results.csv\n" + csv);
        }
        assertFalse(csv.contains("," + BROKEN + ","), csv);
        String report =
            new String(
                plane
                    .store()
                    .get(new SweepStore(plane.store(), spec.id()).reportPrefix() + "index.html")
                    .orElseThrow(),
                StandardCharsets.UTF_8);
        assertTrue(report.contains(GOOD), "the report holds the good model");

        // sweep status names the failed model and why (the cells' own failure: the loader's).
        SweepOps.Status status = SweepOps.status(plane.client(), plane.store(), spec.id());
        assertEquals("FAILED", status.state());
        assertEquals(Set.of(BROKEN), status.failedModels().keySet());
        assertTrue(
            status.failedModels().get(BROKEN).contains("injected"),
            status.failedModels().toString());
        assertTrue(SweepOps.line(status).contains("model " + BROKEN + " failed: "));
      } finally {
        factory.shutdownNow();
        factory.awaitTermination(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The real activities for the CPU and extraction queues; the broken model's failure list cannot
   * be written.
   */
  private static void startActivityWorkers(
      WorkerFactory factory, EmbeddedControlPlane plane, ModelCatalog catalog) {
    ActivityContext context =
        new ActivityContext(
            plane.store(),
            catalog.withStore(plane.store()),
            new LabelcurveMetrics(new SimpleMeterRegistry()),
            2);
    Manifests manifests = new Manifests(plane.store());
    ResultActivities results = new ResultActivitiesImpl(context);
    Worker cpu =
        factory.newWorker(
            WorkerRuntime.CPU_QUEUE,
            WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(2).build());
    cpu.registerActivitiesImplementations(
        new DatasetActivitiesImpl(context, manifests),
        new FrameStoreActivitiesImpl(context, manifests),
        new ProbeActivitiesImpl(context, manifests),
        new FailureListRefused(results));
    Worker embed = factory.newWorker(WorkerRuntime.EMBED_QUEUE);
    embed.registerActivitiesImplementations(new EmbeddingActivitiesImpl(context, manifests, null));
    factory.start();
  }

  /** The real result activities, except that the broken model's failure list is refused. */
  private record FailureListRefused(ResultActivities real) implements ResultActivities {
    @Override
    public String writeSpec(SweepSpec spec, DatasetSummary dataset) {
      return real.writeSpec(spec, dataset);
    }

    @Override
    public String writeFailures(String sweepId, String part, Map<String, String> failures) {
      if (part.startsWith(BROKEN)) {
        throw ApplicationFailure.newNonRetryableFailure(
            "injected: the bucket refuses " + part, "InjectedFault");
      }
      return real.writeFailures(sweepId, part, failures);
    }

    @Override
    public String writeResults(String sweepId) {
      return real.writeResults(sweepId);
    }

    @Override
    public String writeReport(String sweepId) {
      return real.writeReport(sweepId);
    }
  }
}
