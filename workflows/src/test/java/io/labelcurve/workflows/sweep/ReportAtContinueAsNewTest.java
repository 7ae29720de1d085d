package io.labelcurve.workflows.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionSignaledEventAttributes;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptorBase;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cell's {@link ModelSweepWorkflow#cellDone} that reaches the model in the same workflow task as
 * the event that lets the run continue as new (its last cell's child started) is counted by that
 * run and not carried: the signal is in the history before the continue-as-new, so the server takes
 * the run's end and the next run never sees it. Carried, the cell would be waited for as still
 * running, and the next run's probe would count a finished cell as failed. The model relies on the
 * SDK running signal handlers before the workflow method goes on in a task; no timing makes that
 * task in a live test, so a live run's history is given the signal there and replayed.
 */
class ReportAtContinueAsNewTest {
  private final List<TestWorkflowEnvironment> envs = new ArrayList<>();

  @AfterEach
  void close() {
    envs.forEach(TestWorkflowEnvironment::close);
  }

  @Test
  void aReportInTheTaskThatEndsTheRunIsCountedAndNotCarried() throws Exception {
    SweepSpec spec = CellsAcrossContinueAsNewTest.finetuneSpec("rc", List.of(4, 8, 16), 3);
    ModelSweepRequest first =
        ModelSweepRequest.first("rc", spec, "m1", SweepWorkflowTest.DATASET, null);
    String firstCell = first.cells().stream().map(Cell::id).findFirst().orElseThrow();
    String id = ModelSweepWorkflow.workflowId("rc", "m1");

    List<HistoryEvent> run1 = firstRunOfOneCellPerRun(id, first);
    int started = indexOfChildStarted(run1);
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        run1.get(started + 1).getEventType(),
        "the child's start is what the run's last task was scheduled for");
    assertEquals(
        List.of(firstCell), carriedBy(replay(id, run1)).cellsInFlight(), "without the signal");

    ModelSweepRequest next =
        carriedBy(replay(id, withEventAfter(run1, started, cellDone(firstCell))));
    assertEquals(List.of(), next.cellsInFlight(), "a cell that reported is not carried");
    assertEquals(1, next.progress().done(), "and is counted by the run that got its report");
  }

  /**
   * The events of the first run of a model that starts one cell a run: it starts the first cell's
   * workflow, and continues as new once that started, carrying it.
   */
  private List<HistoryEvent> firstRunOfOneCellPerRun(String id, ModelSweepRequest first)
      throws Exception {
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
    envs.add(env);
    Worker cpu = env.newWorker(SweepWorkflow.TASK_QUEUE);
    cpu.registerWorkflowImplementationFactory(
        ModelSweepWorkflow.class, () -> new ModelSweepWorkflowImpl(1));
    cpu.registerWorkflowImplementationTypes(CellWorkflowImpl.class);
    cpu.registerActivitiesImplementations(new CellsAcrossContinueAsNewTest.Results());
    // Cells hold until the test ends: none reports, so the history has no signal of its own.
    CountDownLatch never = new CountDownLatch(1);
    env.newWorker(FinetuneActivities.TASK_QUEUE)
        .registerActivitiesImplementations(
            CellsAcrossContinueAsNewTest.heldUntil(never, new ConcurrentHashMap<>()));
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    CellsAcrossContinueAsNewTest.startModel(client, id, first);
    for (int i = 0;
        i < 300 && CellsAcrossContinueAsNewTest.runsOldestFirst(client, id).size() < 2;
        i++) {
      Thread.sleep(100);
    }
    List<List<HistoryEvent>> runs = CellsAcrossContinueAsNewTest.runsOldestFirst(client, id);
    assertTrue(runs.size() >= 2, "the model never continued as new");
    never.countDown();
    return runs.get(0);
  }

  private static int indexOfChildStarted(List<HistoryEvent> events) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).hasChildWorkflowExecutionStartedEventAttributes()) {
        return i;
      }
    }
    throw new AssertionError("no child started in " + events);
  }

  private static HistoryEvent cellDone(String cellId) {
    return HistoryEvent.newBuilder()
        .setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
        .setWorkflowExecutionSignaledEventAttributes(
            WorkflowExecutionSignaledEventAttributes.newBuilder()
                .setSignalName("cellDone")
                .setInput(
                    DefaultDataConverter.newDefaultInstance()
                        .toPayloads(new CellOutcome(cellId, null, false))
                        .orElseThrow())
                .setIdentity("cell"))
        .build();
  }

  /**
   * {@code events} with {@code inserted} after index {@code at}, numbered there; the event ids
   * after it, and every reference to them (a task's scheduled and started ids, the run's end's
   * completed task), move up by one.
   */
  static List<HistoryEvent> withEventAfter(
      List<HistoryEvent> events, int at, HistoryEvent inserted) {
    long newId = events.get(at).getEventId() + 1;
    List<HistoryEvent> out = new ArrayList<>(events.subList(0, at + 1));
    out.add(
        inserted.toBuilder().setEventId(newId).setEventTime(events.get(at).getEventTime()).build());
    for (HistoryEvent e : events.subList(at + 1, events.size())) {
      out.add((HistoryEvent) shiftIds(e, newId));
    }
    return out;
  }

  /** {@code m} with every {@code *_event_id} field at or past {@code from} one higher. */
  private static Message shiftIds(Message m, long from) {
    Message.Builder b = m.toBuilder();
    for (Map.Entry<FieldDescriptor, Object> f : m.getAllFields().entrySet()) {
      FieldDescriptor field = f.getKey();
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isRepeated()) {
        b.setField(field, shiftIds((Message) f.getValue(), from));
      } else if (field.getJavaType() == FieldDescriptor.JavaType.LONG
          && !field.isRepeated()
          && field.getName().endsWith("event_id")
          && (Long) f.getValue() >= from) {
        b.setField(field, (Long) f.getValue() + 1);
      }
    }
    return b.build();
  }

  /**
   * Replays {@code events} with today's model workflow, through the SDK's replayer, and returns the
   * arguments of every continue-as-new the replay made.
   */
  private List<Object[]> replay(String id, List<HistoryEvent> events) throws Exception {
    List<Object[]> continued = new CopyOnWriteArrayList<>();
    TestWorkflowEnvironment env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkerFactoryOptions(
                    WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(new ContinueAsNewRecorder(continued))
                        .build())
                .build());
    envs.add(env);
    Worker worker = env.newWorker(SweepWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationFactory(
        ModelSweepWorkflow.class, () -> new ModelSweepWorkflowImpl(1));
    worker.replayWorkflowExecution(
        new WorkflowExecutionHistory(History.newBuilder().addAllEvents(events).build(), id));
    return continued;
  }

  private static ModelSweepRequest carriedBy(List<Object[]> continued) {
    assertEquals(1, continued.size(), "continue-as-new calls");
    return (ModelSweepRequest) continued.get(0)[0];
  }

  /** Records the arguments of every continue-as-new of the workflows it intercepts. */
  private static final class ContinueAsNewRecorder extends WorkerInterceptorBase {
    private final List<Object[]> continued;

    ContinueAsNewRecorder(List<Object[]> continued) {
      this.continued = continued;
    }

    @Override
    public WorkflowInboundCallsInterceptor interceptWorkflow(WorkflowInboundCallsInterceptor next) {
      return new WorkflowInboundCallsInterceptorBase(next) {
        @Override
        public void init(WorkflowOutboundCallsInterceptor outbound) {
          super.init(
              new WorkflowOutboundCallsInterceptorBase(outbound) {
                @Override
                public void continueAsNew(ContinueAsNewInput input) {
                  continued.add(input.getArgs());
                  super.continueAsNew(input);
                }
              });
        }
      };
    }
  }
}
