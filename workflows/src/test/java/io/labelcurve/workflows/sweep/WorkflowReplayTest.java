package io.labelcurve.workflows.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every committed history under {@code src/test/resources/histories/} on today's {@link
 * SweepWorkflowImpl} and {@link ModelSweepWorkflowImpl}: a workflow change that would break a
 * running sweep (a command added, removed or reordered without {@code Workflow.getVersion}) fails
 * here, in every build. The histories are real runs of these workflows on the test server with fake
 * activities, written by {@link WorkflowHistoryGenerator} (its Javadoc has the command).
 *
 * <p>{@code *-v0-child-ids.json} were written by the code before child ids changed from {@code
 * sweep.model} to {@code sweep/model} (commit f3913f1): the sweep {@code a} started its model
 * {@code b.c} as {@code a.b.c}, with no version marker. They replay here because {@code
 * Workflow.getVersion("child-id-separator", …)} returns {@code DEFAULT_VERSION} on a history
 * without the marker, and the sweep then keeps the dotted id. Checked the other way too (by hand,
 * once): with the getVersion call removed (always the new id), replaying that history fails with
 * {@code NonDeterministicException: Command COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION doesn't
 * match event EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED … on check workflowId}.
 */
class WorkflowReplayTest {
  /** Every scenario must have its histories here; the generator writes them. */
  static final List<String> SCENARIOS =
      List.of(
          "continue-as-new",
          "cancel",
          "rerun",
          "failed-model",
          "v0-child-ids",
          "fan-out",
          "cells-in-children",
          "frame-store",
          "probe-carried");

  private TestWorkflowEnvironment env;

  @AfterEach
  void close() {
    if (env != null) {
      env.close();
    }
  }

  /** A worker with the real workflows, the model workflow continuing as the histories did. */
  private Worker replayWorker(int cellsPerRun) {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(SweepWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(SweepWorkflowImpl.class, CellWorkflowImpl.class);
    worker.registerWorkflowImplementationFactory(
        ModelSweepWorkflow.class, () -> new ModelSweepWorkflowImpl(cellsPerRun));
    return worker;
  }

  @TestFactory
  Stream<DynamicTest> everyCommittedHistoryReplays() throws Exception {
    List<Path> files = histories();
    assertFalse(files.isEmpty(), "no histories committed");
    Worker worker = replayWorker(WorkflowHistoryGenerator.CELLS_PER_RUN);
    return files.stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f.getFileName().toString(),
                    () -> WorkflowReplayer.replayWorkflowExecution(read(f), worker)));
  }

  @Test
  void everyScenarioHasItsHistoriesEndingAsItShould() throws Exception {
    List<String> names = histories().stream().map(p -> p.getFileName().toString()).toList();
    for (String scenario : SCENARIOS) {
      assertTrue(names.contains("sweep-" + scenario + ".json"), scenario + ": " + names);
      assertTrue(
          names.stream()
              .anyMatch(n -> n.startsWith("model-") && n.endsWith("-" + scenario + ".json")),
          scenario + " has no model workflow history: " + names);
    }
    assertTrue(names.contains("model-m1-run2-continue-as-new.json"), "a model continued as new");
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
        lastEvent("model-m1-run1-continue-as-new.json"));
    assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, lastEvent("sweep-cancel.json"));
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, lastEvent("model-m1-run1-cancel.json"));
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, lastEvent("sweep-failed-model.json"));
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        lastEvent("model-m2-run1-failed-model.json"));
    // The sibling of the failed model ran to its end (through a continue-as-new).
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        lastEvent("model-m1-run2-failed-model.json"));
    // The carried cell terminated: the model's last run found it by a failed probe and completed.
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        lastEvent("model-m1-run2-probe-carried.json"));
    assertTrue(
        read(dir().resolve("model-m1-run2-probe-carried.json")).getEvents().stream()
            .anyMatch(
                e ->
                    e.getEventType()
                        == EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED));
    // The rerun's history is the second run under its id: it names only the cell to run again.
    assertTrue(
        firstEvent("sweep-rerun.json")
            .getWorkflowExecutionStartedEventAttributes()
            .getInput()
            .toString()
            .contains("m1.linear-probe.sequence-1.s0"));
  }

  @Test
  void theOldChildIdHistoryHasTheDottedIdAndNoVersionMarker() throws Exception {
    WorkflowExecutionHistory v0 = read(dir().resolve("sweep-v0-child-ids.json"));
    assertEquals(List.of("a.b.c"), childIds(v0));
    assertTrue(
        v0.getEvents().stream()
            .noneMatch(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED));
    // Today's code starts the same model under the new id, with the marker.
    WorkflowExecutionHistory now = read(dir().resolve("sweep-continue-as-new.json"));
    assertEquals(List.of("can/m1"), childIds(now));
    assertTrue(
        now.getEvents().stream()
            .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED));
    WorkflowReplayer.replayWorkflowExecution(
        v0, replayWorker(WorkflowHistoryGenerator.CELLS_PER_RUN));
  }

  @Test
  void sweepsBeforeTheFrameStoreBuildNoneAndNewSweepsBuildItBeforeTheirModels() throws Exception {
    for (String old : List.of("continue-as-new", "fan-out", "cells-in-children")) {
      assertEquals(
          List.of(),
          activityTypes(
              read(dir().resolve("sweep-" + old + ".json")), "PlanFrames", "BuildFrameShards"),
          old);
    }
    WorkflowExecutionHistory now = read(dir().resolve("sweep-frame-store.json"));
    assertEquals(
        List.of("PlanFrames", "BuildFrameShards"),
        activityTypes(now, "PlanFrames", "BuildFrameShards"));
    // The store is complete before the first model workflow starts.
    long lastShards =
        now.getEvents().stream()
            .filter(
                e ->
                    e.hasActivityTaskScheduledEventAttributes()
                        && e.getActivityTaskScheduledEventAttributes()
                            .getActivityType()
                            .getName()
                            .equals("BuildFrameShards"))
            .mapToLong(HistoryEvent::getEventId)
            .max()
            .orElseThrow();
    long firstChild =
        now.getEvents().stream()
            .filter(HistoryEvent::hasStartChildWorkflowExecutionInitiatedEventAttributes)
            .mapToLong(HistoryEvent::getEventId)
            .min()
            .orElseThrow();
    assertTrue(lastShards < firstChild, lastShards + " < " + firstChild);
  }

  @Test
  void runsBeforeTheFanOutEmbedInOneActivityAndNewRunsInRanges() throws Exception {
    // Written before the fan-out: one Embed per split, no version marker; they replay above.
    WorkflowExecutionHistory before = read(dir().resolve("model-m1-run1-continue-as-new.json"));
    assertEquals(List.of("Embed", "Embed"), activityTypes(before, "Embed", "ExtractRange"));
    assertTrue(before.getEvents().stream().noneMatch(WorkflowReplayTest::isFanOutMarker));
    // Since: per split (training pool and T1) a plan, its three shards in three ranges, a finish.
    WorkflowExecutionHistory after = read(dir().resolve("model-m1-run1-fan-out.json"));
    assertEquals(
        List.of(
            "PlanExtraction",
            "PlanExtraction",
            "ExtractRange",
            "ExtractRange",
            "ExtractRange",
            "ExtractRange",
            "ExtractRange",
            "ExtractRange",
            "FinishExtraction",
            "FinishExtraction"),
        activityTypes(after, "PlanExtraction", "ExtractRange", "FinishExtraction", "Embed").stream()
            .sorted(java.util.Comparator.comparing(FAN_OUT_ORDER::indexOf))
            .toList());
    assertTrue(after.getEvents().stream().anyMatch(WorkflowReplayTest::isFanOutMarker));
    // The continued run carries the sets and extracts nothing.
    assertEquals(
        List.of(),
        activityTypes(
            read(dir().resolve("model-m1-run2-fan-out.json")),
            "PlanExtraction",
            "ExtractRange",
            "FinishExtraction",
            "Embed"));
  }

  @Test
  void runsBeforeCellsInChildrenHaveNoMarkerAndNewRunsCarryTheirCellsInFlight() throws Exception {
    // Every model history written before: no cells-in-children marker, so they replay through the
    // loop that drains its window (the replay above); the new shape continues with cells running.
    for (String old : List.of("continue-as-new", "fan-out", "cancel", "failed-model")) {
      assertTrue(
          read(dir().resolve("model-m1-run1-" + old + ".json")).getEvents().stream()
              .noneMatch(e -> isMarker(e, ModelSweepWorkflowImpl.CELLS_IN_CHILDREN)),
          old);
    }
    WorkflowExecutionHistory run1 = read(dir().resolve("model-m1-run1-cells-in-children.json"));
    assertTrue(
        run1.getEvents().stream()
            .anyMatch(e -> isMarker(e, ModelSweepWorkflowImpl.CELLS_IN_CHILDREN)));
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
        run1.getLastEvent().getEventType());
    HistoryEvent run2Start = firstEvent("model-m1-run2-cells-in-children.json");
    String input = run2Start.getWorkflowExecutionStartedEventAttributes().getInput().toString();
    assertTrue(input.contains("cellsInFlight"), input);
    // The long cell was started by run 1 and ended after run 2 began.
    WorkflowExecutionHistory longCell =
        read(dir().resolve("cell-m1.finetune.image-16.s0-cells-in-children.json"));
    assertEquals(
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, longCell.getLastEvent().getEventType());
    assertTrue(
        com.google.protobuf.util.Timestamps.compare(
                run2Start.getEventTime(), longCell.getLastEvent().getEventTime())
            < 0,
        "run 2 started before the long cell ended");
  }

  private static boolean isMarker(HistoryEvent e, String changeId) {
    return e.hasMarkerRecordedEventAttributes()
        && e.getMarkerRecordedEventAttributes().getDetailsMap().containsKey("changeId")
        && e.getMarkerRecordedEventAttributes()
            .getDetailsMap()
            .get("changeId")
            .getPayloads(0)
            .getData()
            .toStringUtf8()
            .equals("\"" + changeId + "\"");
  }

  private static final List<String> FAN_OUT_ORDER =
      List.of("PlanExtraction", "ExtractRange", "FinishExtraction");

  private static List<String> activityTypes(WorkflowExecutionHistory h, String... types) {
    List<String> wanted = List.of(types);
    return h.getEvents().stream()
        .filter(HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName())
        .filter(wanted::contains)
        .toList();
  }

  private static boolean isFanOutMarker(HistoryEvent e) {
    return e.hasMarkerRecordedEventAttributes()
        && e.getMarkerRecordedEventAttributes()
            .getDetailsMap()
            .get("changeId")
            .getPayloads(0)
            .getData()
            .toStringUtf8()
            .equals("\"" + ModelSweepWorkflowImpl.FAN_OUT + "\"");
  }

  @Test
  void replayFailsWhenTheWorkflowWouldDoSomethingElse() throws Exception {
    // The replay test has teeth: a model workflow that would continue as new at another point
    // (its run starting a third cell instead of continuing) does not replay that history.
    WorkflowExecutionHistory run1 = read(dir().resolve("model-m1-run1-continue-as-new.json"));
    Exception e =
        assertThrows(
            Exception.class,
            () ->
                WorkflowReplayer.replayWorkflowExecution(
                    run1, replayWorker(ModelSweepWorkflowImpl.CELLS_PER_RUN)));
    // The replayer reports it as a failed replay query whose message names the cause.
    assertTrue(String.valueOf(e.getMessage()).contains("NonDeterministicException"), e.toString());
  }

  private static List<String> childIds(WorkflowExecutionHistory h) {
    return h.getEvents().stream()
        .filter(HistoryEvent::hasStartChildWorkflowExecutionInitiatedEventAttributes)
        .map(e -> e.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowId())
        .toList();
  }

  private static EventType lastEvent(String name) throws IOException, URISyntaxException {
    return read(dir().resolve(name)).getLastEvent().getEventType();
  }

  private static HistoryEvent firstEvent(String name) throws IOException, URISyntaxException {
    return read(dir().resolve(name)).getEvents().get(0);
  }

  private static WorkflowExecutionHistory read(Path file) throws IOException {
    return WorkflowExecutionHistory.fromJson(Files.readString(file));
  }

  private static Path dir() throws URISyntaxException {
    return Path.of(
        Objects.requireNonNull(
                WorkflowReplayTest.class.getResource("/histories"),
                "src/test/resources/histories is missing")
            .toURI());
  }

  private static List<Path> histories() throws IOException, URISyntaxException {
    try (Stream<Path> files = Files.list(dir())) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
  }
}
