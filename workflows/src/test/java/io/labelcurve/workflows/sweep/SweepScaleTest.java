package io.labelcurve.workflows.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.DatasetActivities;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.EmbeddingActivities;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.activities.ExtractionActivities;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.labelcurve.workflows.activities.ProbeCellRequest;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * 10,000 cheap cells through the real workflow code on the port-bound Temporal test server (the
 * embedded control plane's server): the sweep completes, every cell runs exactly once, and no
 * workflow run's history passes 10,240 events (the model workflows continue as new). The measured
 * orchestration overhead per cell is written to {@code target/sweep-scale.txt} and recorded in
 * docs/BENCHMARKS.md.
 */
class SweepScaleTest {
  static final int MODELS = 4;
  static final int SIZES = 250;
  static final int SEEDS = 10;
  static final int WINDOW = 100;
  static final DatasetSummary DATASET =
      new DatasetSummary(
          "s3://b/datasets/d/manifest.csv",
          "abc123",
          List.of("a", "b"),
          "train",
          1000,
          100_000,
          Map.of("a", 50, "b", 50),
          Map.of("T1", 10));

  /** Activities that do nothing but count: the orchestration is what is measured. */
  static final class Trivial
      implements DatasetActivities, EmbeddingActivities, ProbeActivities, ResultActivities {
    final java.util.concurrent.atomic.AtomicInteger reportsWritten =
        new java.util.concurrent.atomic.AtomicInteger();
    final Set<String> cellsRun = ConcurrentHashMap.newKeySet();
    final Map<String, Integer> runsPerCell = new ConcurrentHashMap<>();

    @Override
    public DatasetSummary prepare(SweepSpec spec) {
      return DATASET;
    }

    @Override
    public EmbeddingSet embed(EmbedRequest r) {
      return new EmbeddingSet(
          "e/" + r.model() + "/" + r.split() + "/",
          r.model(),
          r.split(),
          10,
          1,
          8,
          10,
          0,
          1,
          1.0,
          "test");
    }

    @Override
    public CellResult runProbeCell(ProbeCellRequest r) {
      cellsRun.add(r.cell().id());
      runsPerCell.merge(r.cell().id(), 1, Integer::sum);
      return new CellResult(r.cell().id(), "s3://b/x", r.cell().size(), 0, List.of(), false);
    }

    @Override
    public String writeSpec(SweepSpec spec, DatasetSummary dataset) {
      return "s3://b/sweeps/" + spec.id() + "/spec.json";
    }

    @Override
    public String writeFailures(String sweepId, String part, Map<String, String> failures) {
      return "s3://b/sweeps/" + sweepId + "/failures/" + part + ".json";
    }

    @Override
    public String writeReport(String sweepId) {
      reportsWritten.incrementAndGet();
      return "s3://b/sweeps/" + sweepId + "/report/index.html";
    }

    @Override
    public String writeResults(String sweepId) {
      return "s3://b/sweeps/" + sweepId + "/results.csv";
    }
  }

  @Test
  void tenThousandCellsCompleteWithBoundedHistories() throws Exception {
    int port = freePort();
    try (TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port)) {
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
      WorkflowClient client = WorkflowClient.newInstance(stubs);
      WorkerFactory factory = WorkerFactory.newInstance(client);
      Trivial activities = new Trivial();
      Worker cpu =
          factory.newWorker(
              SweepWorkflow.TASK_QUEUE,
              WorkerOptions.newBuilder()
                  .setMaxConcurrentActivityExecutionSize(200)
                  .setMaxConcurrentWorkflowTaskExecutionSize(8)
                  .build());
      cpu.registerWorkflowImplementationTypes(
          SweepWorkflowImpl.class, ModelSweepWorkflowImpl.class, CellWorkflowImpl.class);
      cpu.registerActivitiesImplementations(activities, new FrameStoreFake(3, () -> 0));
      factory
          .newWorker(ExtractionActivities.TASK_QUEUE)
          .registerActivitiesImplementations(
              new FanOutFake((EmbeddingActivities) activities::embed, 1, 8));
      factory.start();
      try {
        List<String> models = IntStream.range(0, MODELS).mapToObj(i -> "m" + i).toList();
        List<Integer> sizes = IntStream.rangeClosed(1, SIZES).boxed().toList();
        SweepSpec spec =
            new SweepSpec(
                "scale",
                DATASET.manifestUri(),
                "train",
                List.of("T1"),
                models,
                List.of("linear-probe"),
                List.of(new SamplingSpec("image", sizes, false)),
                SEEDS,
                "cpu-small",
                WINDOW);
        SweepWorkflow sweep =
            client.newWorkflowStub(
                SweepWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId("scale")
                    .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                    .build());

        long t0 = System.nanoTime();
        SweepResult result = sweep.run(SweepRequest.all(spec));
        double seconds = (System.nanoTime() - t0) / 1e9;

        int cells = MODELS * SIZES * SEEDS;
        assertEquals(cells, result.cells());
        assertEquals(cells, result.cellsDone());
        assertEquals(0, result.cellsFailed());
        assertEquals(cells, activities.cellsRun.size());
        assertTrue(
            activities.runsPerCell.values().stream().allMatch(n -> n == 1), "no cell ran twice");

        // Every run of every workflow: the sweep and each model's chain of continued runs.
        List<String> lines = new ArrayList<>();
        int maxEvents = 0;
        int runs = 0;
        List<String> ids = new ArrayList<>(List.of("scale"));
        models.forEach(m -> ids.add(ModelSweepWorkflow.workflowId("scale", m)));
        for (String id : ids) {
          String runId = "";
          while (runId != null) {
            WorkflowExecutionHistory h =
                runId.isEmpty() ? client.fetchHistory(id) : client.fetchHistory(id, runId);
            List<HistoryEvent> events = h.getHistory().getEventsList();
            maxEvents = Math.max(maxEvents, events.size());
            runs++;
            assertTrue(
                events.size() < 10_240, id + " run " + runId + " has " + events.size() + " events");
            String previous =
                events
                    .get(0)
                    .getWorkflowExecutionStartedEventAttributes()
                    .getContinuedExecutionRunId();
            runId = previous.isEmpty() ? null : previous;
          }
        }
        assertTrue(runs > MODELS + 1, "the model workflows continued as new");
        String report =
            String.format(
                java.util.Locale.ROOT,
                "cells=%d models=%d window=%d seconds=%.1f overhead_ms_per_cell=%.2f cells_per_s=%.0f"
                    + " workflow_runs=%d max_history_events=%d cores=%d",
                cells,
                MODELS,
                WINDOW,
                seconds,
                seconds * 1000 / cells,
                cells / seconds,
                runs,
                maxEvents,
                Runtime.getRuntime().availableProcessors());
        System.out.println("SWEEP SCALE: " + report);
        Files.writeString(Path.of("target", "sweep-scale.txt"), report + "\n");
      } finally {
        factory.shutdownNow();
        stubs.shutdownNow();
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
