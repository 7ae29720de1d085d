package io.labelcurve.workflows.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cell whose report finds no run of its model open sends it again: a model between two runs, or
 * terminated and run again, still hears from the cells it started. Seen in CI: on the test server a
 * signal that races a continue-as-new fails, the SDK threw that failure out of the cell workflow,
 * and the model counted the finished cell as failed.
 */
class CellReportTest {
  private TestWorkflowEnvironment env;

  @AfterEach
  void close() {
    if (env != null) {
      env.close();
    }
  }

  /**
   * Stands in for the model: its first run starts the cell and closes at once; a later run under
   * the same id waits for the cell's report and returns it. The signal is {@link
   * ModelSweepWorkflow#cellDone}'s name, which is all a cell addresses.
   */
  @WorkflowInterface
  public interface Listener {
    @WorkflowMethod
    CellOutcome run(CellWorkflowRequest startThis);

    @SignalMethod
    void cellDone(CellOutcome outcome);
  }

  public static final class ListenerImpl implements Listener {
    private CellOutcome heard;

    @Override
    public CellOutcome run(CellWorkflowRequest startThis) {
      if (startThis != null) {
        CellWorkflow cell =
            Workflow.newChildWorkflowStub(
                CellWorkflow.class,
                ChildWorkflowOptions.newBuilder()
                    .setWorkflowId(CellWorkflow.workflowId("listener", startThis.cellId()))
                    .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                    .build());
        Async.function(cell::run, startThis);
        Workflow.getWorkflowExecution(cell).get();
        return null;
      }
      Workflow.await(() -> heard != null);
      return heard;
    }

    @Override
    public void cellDone(CellOutcome outcome) {
      heard = outcome;
    }
  }

  @Test
  void aReportThatFindsTheModelClosedIsSentAgainUntilARunTakesIt() throws Exception {
    SweepSpec spec = CellsAcrossContinueAsNewTest.finetuneSpec("cr", List.of(4), 1);
    Cell cell =
        ModelSweepRequest.first("cr", spec, "m1", SweepWorkflowTest.DATASET, null).cells().get(0);
    CellWorkflowRequest request =
        new CellWorkflowRequest(
            null,
            new FinetuneCellRequest(
                "cr",
                cell,
                SweepWorkflowTest.DATASET,
                spec.preset(),
                spec.testSplits(),
                false,
                1,
                spec.augmentation(),
                spec.voteFrames()));
    // Real time: the cell's pauses between reports are what the test waits through.
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker worker = env.newWorker(SweepWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(ListenerImpl.class, CellWorkflowImpl.class);
    CountDownLatch release = new CountDownLatch(1);
    env.newWorker(FinetuneActivities.TASK_QUEUE)
        .registerActivitiesImplementations(
            CellsAcrossContinueAsNewTest.heldUntil(release, new ConcurrentHashMap<>()));
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    WorkflowOptions options =
        WorkflowOptions.newBuilder()
            .setWorkflowId("listener")
            .setTaskQueue(SweepWorkflow.TASK_QUEUE)
            .build();

    // The first run starts the cell and closes; the cell's first report then finds nobody.
    client.newWorkflowStub(Listener.class, options).run(request);
    release.countDown();
    String cellWorkflow = CellWorkflow.workflowId("listener", cell.id());
    for (int i = 0; i < 300 && signalFailures(client, cellWorkflow) == 0; i++) {
      Thread.sleep(50);
    }
    assertTrue(signalFailures(client, cellWorkflow) > 0, "the first report did not fail");

    // A run started afterwards under the model's id hears the report sent again.
    Listener again = client.newWorkflowStub(Listener.class, options);
    WorkflowClient.start(again::run, null);
    CellOutcome heard =
        client
            .newUntypedWorkflowStub("listener")
            .getResult(30, TimeUnit.SECONDS, CellOutcome.class);
    assertEquals(new CellOutcome(cell.id(), null, false), heard);
    client.newUntypedWorkflowStub(cellWorkflow).getResult(30, TimeUnit.SECONDS, CellResult.class);
    List<HistoryEvent> events = client.fetchHistory(cellWorkflow).getEvents();
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        events.get(events.size() - 1).getEventType());
    // And the cell's history, with its pauses, replays; it is also the committed history that
    // WorkflowReplayTest keeps replaying (written with -Dlabelcurve.histories=DIR).
    WorkflowExecutionHistory history = client.fetchHistory(cellWorkflow);
    WorkflowReplayer.replayWorkflowExecution(history, CellWorkflowImpl.class);
    String histories = System.getProperty("labelcurve.histories");
    if (histories != null && !histories.isBlank()) {
      Files.writeString(
          Path.of(histories).resolve("cell-" + cell.id() + "-report-retried.json"),
          history.toJson(true));
    }
  }

  private static long signalFailures(WorkflowClient client, String workflowId) {
    return client.fetchHistory(workflowId).getEvents().stream()
        .filter(HistoryEvent::hasSignalExternalWorkflowExecutionFailedEventAttributes)
        .count();
  }
}
