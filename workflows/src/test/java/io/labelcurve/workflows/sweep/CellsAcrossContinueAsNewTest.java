package io.labelcurve.workflows.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Finetune cells run as {@link CellWorkflow} children that outlive continue-as-new: with two cells
 * per run and a window of three, the model workflow continues as new (several times) while its
 * first, long cell is still running, that cell is counted by a later run from its signal, and no
 * cell is lost or run twice.
 */
class CellsAcrossContinueAsNewTest {
  private TestWorkflowEnvironment env;

  @AfterEach
  void close() {
    if (env != null) {
      env.close();
    }
  }

  /** Finetune cells that return at once, but for the long one: it waits for the last cell. */
  static final class Finetune implements FinetuneActivities {
    final Map<String, Integer> runsPerCell = new ConcurrentHashMap<>();
    final CountDownLatch lastCellRan = new CountDownLatch(1);
    final CountDownLatch releaseLong = new CountDownLatch(1);
    volatile Instant longFinished;
    final String longCell;
    final String lastCell;

    Finetune(String longCell, String lastCell) {
      this.longCell = longCell;
      this.lastCell = lastCell;
    }

    @Override
    public CellResult runFinetuneCell(FinetuneCellRequest r) {
      String id = r.cell().id();
      runsPerCell.merge(id, 1, Integer::sum);
      if (id.equals(lastCell)) {
        lastCellRan.countDown();
      }
      if (id.equals(longCell)) {
        awaitRelease(releaseLong, "the long cell");
        longFinished = Instant.now();
      }
      return new CellResult(id, "s3://b/f", r.cell().size(), 1.0, List.of(), false);
    }
  }

  /** The model workflow's bookkeeping: failures kept here, by cell. */
  static final class Results implements ResultActivities {
    final Map<String, String> failuresWritten = new ConcurrentHashMap<>();

    @Override
    public String writeSpec(SweepSpec spec, io.labelcurve.workflows.spec.DatasetSummary d) {
      return "s3://b/spec.json";
    }

    @Override
    public String writeFailures(String sweepId, String part, Map<String, String> failures) {
      failuresWritten.putAll(failures);
      return "s3://b/failures/" + part + ".json";
    }

    @Override
    public String writeReport(String sweepId) {
      return "s3://b/report/index.html";
    }

    @Override
    public String writeResults(String sweepId) {
      return "s3://b/results.csv";
    }
  }

  /** A sweep of model m1's finetune cells at these sizes, one seed, {@code window} in flight. */
  static SweepSpec finetuneSpec(String id, List<Integer> sizes, int window) {
    return new SweepSpec(
        id,
        SweepWorkflowTest.DATASET.manifestUri(),
        "train",
        List.of("T1"),
        List.of("m1"),
        List.of("finetune"),
        List.of(new SamplingSpec("image", sizes, false)),
        1,
        "cpu-small",
        window);
  }

  @Test
  void theWindowKeepsRunningAcrossContinueAsNewAndEveryCellCountsOnce() throws Exception {
    SweepSpec spec = finetuneSpec("ft", List.of(4, 8, 16, 32, 64, 100, 128), 3);
    ModelSweepRequest first =
        ModelSweepRequest.first("ft", spec, "m1", SweepWorkflowTest.DATASET, null);
    List<String> cells = first.cells().stream().map(Cell::id).toList();
    assertTrue(cells.size() >= 7, "cells: " + cells);
    String longCell = cells.get(0);
    String lastCell = cells.get(cells.size() - 1);

    // Real time, no skipping: the test compares when runs started with when the long cell ended.
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker cpu = env.newWorker(SweepWorkflow.TASK_QUEUE);
    cpu.registerWorkflowImplementationFactory(
        ModelSweepWorkflow.class, () -> new ModelSweepWorkflowImpl(2));
    cpu.registerWorkflowImplementationTypes(CellWorkflowImpl.class);
    cpu.registerActivitiesImplementations(new Results());
    Finetune finetune = new Finetune(longCell, lastCell);
    env.newWorker(FinetuneActivities.TASK_QUEUE).registerActivitiesImplementations(finetune);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    String id = ModelSweepWorkflow.workflowId("ft", "m1");
    startModel(client, id, first);

    // Every other cell runs while the first is still in flight: only a window kept across
    // continue-as-new lets the cells past the second run's (two per run) start.
    assertTrue(finetune.lastCellRan.await(60, TimeUnit.SECONDS), "the last cell never ran");
    // A second report of a cell counted already (here a failure) must change nothing.
    client
        .newWorkflowStub(ModelSweepWorkflow.class, id)
        .cellDone(new CellOutcome(cells.get(1), "a late duplicate", false));
    finetune.releaseLong.countDown();

    ModelSweepResult result = client.newWorkflowStub(ModelSweepWorkflow.class, id).run(first);
    assertEquals(cells.size(), result.cellsDone());
    assertEquals(0, result.cellsFailed(), result.failedCells().toString());
    assertTrue(result.runs() >= 3, "runs: " + result.runs());
    assertEquals(cells.size(), finetune.runsPerCell.size());
    assertTrue(
        finetune.runsPerCell.values().stream().allMatch(n -> n == 1),
        "a cell ran twice: " + finetune.runsPerCell);

    // From the histories: the first run continued as new carrying the long cell, and every
    // continued run started before the long cell's workflow completed.
    List<List<HistoryEvent>> runs = runsOldestFirst(client, id);
    assertEquals(result.runs(), runs.size());
    List<HistoryEvent> run1 = runs.get(0);
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
        run1.get(run1.size() - 1).getEventType());
    ModelSweepRequest second =
        DefaultDataConverter.newDefaultInstance()
            .fromPayloads(
                0,
                java.util.Optional.of(
                    runs.get(1).get(0).getWorkflowExecutionStartedEventAttributes().getInput()),
                ModelSweepRequest.class,
                ModelSweepRequest.class);
    assertTrue(second.cellsInFlight().contains(longCell), "carried: " + second.cellsInFlight());
    assertTrue(second.cellsInFlight().size() <= 3, "at most the window is carried");
    List<HistoryEvent> longCellRun =
        client.fetchHistory(CellWorkflow.workflowId(id, longCell)).getHistory().getEventsList();
    HistoryEvent longEnd = longCellRun.get(longCellRun.size() - 1);
    assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, longEnd.getEventType());
    HistoryEvent lastRunStart = runs.get(runs.size() - 1).get(0);
    assertTrue(
        com.google.protobuf.util.Timestamps.compare(
                lastRunStart.getEventTime(), longEnd.getEventTime())
            <= 0,
        "the last run started before the long cell ended");
    // The long cell was counted from its signal, by a run other than the one that started it.
    assertTrue(
        runs.subList(1, runs.size()).stream()
            .flatMap(List::stream)
            .anyMatch(
                e ->
                    e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
                        && e.getWorkflowExecutionSignaledEventAttributes()
                            .getInput()
                            .toString()
                            .contains(longCell)));
  }

  @Test
  void aCancelledModelStartsNoMoreCellsAndWaitsForTheCellsItCarried() throws Exception {
    SweepSpec spec = finetuneSpec("fc", List.of(4, 8, 16, 32, 64), 2);
    ModelSweepRequest first =
        ModelSweepRequest.first("fc", spec, "m1", SweepWorkflowTest.DATASET, null);
    List<String> cells = first.cells().stream().map(Cell::id).toList();
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker cpu = env.newWorker(SweepWorkflow.TASK_QUEUE);
    cpu.registerWorkflowImplementationFactory(
        ModelSweepWorkflow.class, () -> new ModelSweepWorkflowImpl(2));
    cpu.registerWorkflowImplementationTypes(CellWorkflowImpl.class);
    cpu.registerActivitiesImplementations(new Results());
    // The first two cells fill the window of two and hold it until released.
    Map<String, Integer> runsPerCell = new ConcurrentHashMap<>();
    CountDownLatch release = new CountDownLatch(1);
    env.newWorker(FinetuneActivities.TASK_QUEUE)
        .registerActivitiesImplementations(heldUntil(release, runsPerCell));
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    String id = ModelSweepWorkflow.workflowId("fc", "m1");
    startModel(client, id, first);
    // Run 1 started two cells and continued as new with both in flight; run 2 waits on them.
    for (int i = 0; i < 300 && runsOldestFirst(client, id).size() < 2; i++) {
      Thread.sleep(100);
    }
    assertEquals(2, runsOldestFirst(client, id).size(), "the model continued as new");
    client.newUntypedWorkflowStub(id).cancel();
    for (int i = 0;
        i < 300
            && client.fetchHistory(id).getEvents().stream()
                .noneMatch(
                    e ->
                        e.getEventType()
                            == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
        i++) {
      Thread.sleep(100);
    }
    release.countDown();

    io.temporal.client.WorkflowFailedException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.temporal.client.WorkflowFailedException.class,
            () -> client.newUntypedWorkflowStub(id).getResult(ModelSweepResult.class));
    assertTrue(
        e.getCause() instanceof io.temporal.failure.CanceledFailure, String.valueOf(e.getCause()));
    // The two cells in flight finished (once each), and were counted by run 2 before it ended;
    // no other cell started.
    assertEquals(Map.of(cells.get(0), 1, cells.get(1), 1), runsPerCell);
    List<HistoryEvent> run2 = runsOldestFirst(client, id).get(1);
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, run2.get(run2.size() - 1).getEventType());
    assertEquals(
        2,
        run2.stream()
            .filter(ev -> ev.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
            .count());
    assertTrue(
        run2.stream()
            .noneMatch(HistoryEvent::hasStartChildWorkflowExecutionInitiatedEventAttributes),
        "run 2 started no cell");
    SweepProgress progress = client.newWorkflowStub(ModelSweepWorkflow.class, id).progress();
    assertEquals(2, progress.done());
    assertEquals(SweepPhase.CANCELLED, progress.phase());
  }

  @Test
  void aCarriedCellTerminatedWithoutReportingFailsAndTheModelEnds() throws Exception {
    SweepSpec spec = finetuneSpec("ft", List.of(4, 8, 16, 32, 64, 100, 128), 2);
    ModelSweepRequest first =
        ModelSweepRequest.first("ft", spec, "m1", SweepWorkflowTest.DATASET, null);
    List<String> cells = first.cells().stream().map(Cell::id).toList();
    String longCell = cells.get(0);
    String lastCell = cells.get(cells.size() - 1);

    // Real time and a probe every second, not time skipping: once a cell workflow is terminated
    // with its activity running, the test server skips no time (tried: the probe's 30-minute
    // timer never fired while the test waited for the result, and env.sleep never returned).
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker cpu = env.newWorker(SweepWorkflow.TASK_QUEUE);
    cpu.registerWorkflowImplementationFactory(
        ModelSweepWorkflow.class,
        () -> new ModelSweepWorkflowImpl(2, java.time.Duration.ofSeconds(1)));
    cpu.registerWorkflowImplementationTypes(CellWorkflowImpl.class);
    Results results = new Results();
    cpu.registerActivitiesImplementations(results);
    Finetune finetune = new Finetune(longCell, lastCell);
    env.newWorker(FinetuneActivities.TASK_QUEUE).registerActivitiesImplementations(finetune);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    String id = ModelSweepWorkflow.workflowId("ft", "m1");
    startModel(client, id, first);

    // The last cell ran, so the long one was carried through continue-as-new (two cells a run);
    // an operator terminates it: it never signals, and no run holding it now has its promise.
    assertTrue(finetune.lastCellRan.await(60, TimeUnit.SECONDS), "the last cell never ran");
    String longCellWorkflow = CellWorkflow.workflowId(id, longCell);
    // Probed while it runs (a probe a second), which must count nothing: it is open.
    for (int i = 0; i < 300 && !signalled(client, longCellWorkflow); i++) {
      Thread.sleep(100);
    }
    assertTrue(signalled(client, longCellWorkflow), "the long cell was never probed while it ran");
    client.newUntypedWorkflowStub(longCellWorkflow).terminate("operator");
    finetune.releaseLong.countDown();

    ModelSweepResult result =
        client.newUntypedWorkflowStub(id).getResult(60, TimeUnit.SECONDS, ModelSweepResult.class);
    String expected =
        "cell workflow "
            + longCellWorkflow
            + " closed without reporting (terminated, timed out or reset); rerun the sweep to"
            + " compute it";
    // Failures first: their texts say which cell was miscounted, a count would not.
    assertEquals(Map.of(longCell, expected), result.failedCells());
    assertEquals(cells.size() - 1, result.cellsDone());
    assertEquals(1, result.cellsFailed());
    // Written where a rerun finds it, as any failed cell.
    assertEquals(Map.of(longCell, expected), results.failuresWritten);
    assertTrue(finetune.runsPerCell.values().stream().allMatch(n -> n == 1), "a cell ran twice");
    // Found by a probe of a run the long cell was carried into: its signal failed there.
    List<List<HistoryEvent>> runs = runsOldestFirst(client, id);
    assertTrue(runs.size() >= 3, "runs: " + runs.size());
    assertTrue(
        runs.get(0).stream()
            .noneMatch(HistoryEvent::hasSignalExternalWorkflowExecutionFailedEventAttributes));
    assertTrue(
        runs.get(runs.size() - 1).stream()
            .anyMatch(HistoryEvent::hasSignalExternalWorkflowExecutionFailedEventAttributes),
        "the last run's probe failed");
  }

  private static boolean signalled(WorkflowClient client, String workflowId) {
    return client.fetchHistory(workflowId).getEvents().stream()
        .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  }

  /**
   * Finetune cells that each count their run in {@code runsPerCell} and wait for {@code release}
   * (failing after a minute without it), then succeed.
   */
  static FinetuneActivities heldUntil(CountDownLatch release, Map<String, Integer> runsPerCell) {
    return r -> {
      String cell = r.cell().id();
      runsPerCell.merge(cell, 1, Integer::sum);
      awaitRelease(release, "cell " + cell);
      return new CellResult(cell, "s3://b/f", r.cell().size(), 1.0, List.of(), false);
    };
  }

  /** Waits (in a fake activity) for the test to release {@code what}; fails after a minute. */
  private static void awaitRelease(CountDownLatch release, String what) {
    try {
      if (!release.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException(what + " was never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts the model workflow {@code id} on the CPU queue with its first run's request. */
  static void startModel(WorkflowClient client, String id, ModelSweepRequest first) {
    WorkflowClient.start(
        client.newWorkflowStub(
                ModelSweepWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(id)
                    .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                    .build())
            ::run,
        first);
  }

  /** Every run of the workflow id, following continuedExecutionRunId back from the latest. */
  static List<List<HistoryEvent>> runsOldestFirst(WorkflowClient client, String id) {
    List<List<HistoryEvent>> out = new ArrayList<>();
    String runId = "";
    while (runId != null) {
      List<HistoryEvent> events =
          (runId.isEmpty() ? client.fetchHistory(id) : client.fetchHistory(id, runId))
              .getHistory()
              .getEventsList();
      out.add(0, events);
      String previous =
          events.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
      runId = previous.isEmpty() ? null : previous;
    }
    return out;
  }
}
