package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.DatasetActivities;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.EmbeddingActivities;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.activities.ExtractionActivities;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.labelcurve.workflows.activities.ProbeCellRequest;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the histories that {@link WorkflowReplayTest} replays: the real workflows on a fresh test
 * server with the fake activities below, one scenario each, every run of the sweep and of its model
 * workflows exported with {@code WorkflowExecutionHistory.toJson(true)}. Not run by default;
 * regenerate (after a deliberate, versioned workflow change) with
 *
 * <pre>
 * cd workflows &amp;&amp; ../mvnw -B -o test -Dtest=WorkflowHistoryGenerator \
 *     -Dlabelcurve.histories=$PWD/src/test/resources/histories
 * </pre>
 *
 * <p>The {@code v0-child-ids} scenario is not in the default list: it must come from the code
 * before the child-id change (commit f3913f1), to show that a sweep started there replays on
 * today's code. This file as it was before the fan-out (it names {@link FanOutFake} since) compiles
 * there unchanged (hence the reflection in {@link #registerWorkflows}), so it was made with
 *
 * <pre>
 * mkdir /tmp/v0 &amp;&amp; git archive f3913f1 | tar -x -C /tmp/v0
 * cp workflows/src/test/java/io/labelcurve/workflows/sweep/WorkflowHistoryGenerator.java \
 *     /tmp/v0/workflows/src/test/java/io/labelcurve/workflows/sweep/
 * cd /tmp/v0/workflows &amp;&amp; ../mvnw -B -o test -Dtest=WorkflowHistoryGenerator -Dlabelcurve.histories.scenarios=v0-child-ids \
 *     -Dlabelcurve.histories=/work/wt13/workflows/src/test/resources/histories
 * rm -rf /tmp/v0
 * </pre>
 */
@EnabledIfSystemProperty(named = "labelcurve.histories", matches = ".+")
class WorkflowHistoryGenerator {
  /**
   * Cells a model workflow starts per run in these histories, so that three cells per model
   * continue as new once. Replay must use the same value: where a run continues is in its history.
   */
  static final int CELLS_PER_RUN = 2;

  /**
   * The scenarios written by default. Those before {@code fan-out} were written before the
   * extraction fanned out (their model histories embed each split in one activity, with no {@link
   * ModelSweepWorkflowImpl#FAN_OUT} marker) and are kept as they are, so that they go on proving
   * that such runs replay: regenerate only {@code fan-out} ({@code
   * -Dlabelcurve.histories.scenarios=fan-out}) unless the change is meant to drop them.
   */
  static final String SCENARIOS =
      "continue-as-new,cancel,rerun,failed-model,fan-out,cells-in-children,frame-store,"
          + "probe-carried";

  static final DatasetSummary DATASET =
      new DatasetSummary(
          "s3://b/datasets/d/manifest.csv",
          "abc123",
          List.of("a", "b"),
          "train",
          40,
          200,
          Map.of("a", 4, "b", 3),
          Map.of("T1", 10));

  /** {@link #spec} of model m1 with finetune cells alone (they run as CellWorkflow children). */
  private static SweepSpec finetuneSpec(String id) {
    SweepSpec spec = spec(id, List.of("m1"), 3);
    return new SweepSpec(
        spec.id(),
        spec.dataset(),
        spec.trainSplit(),
        spec.testSplits(),
        spec.models(),
        List.of("finetune"),
        spec.samplings(),
        spec.seeds(),
        spec.preset(),
        spec.maxCellsInFlight());
  }

  /** The cells of m1 in {@code spec}; {@code fakes} hold the first until the last one ran. */
  private static List<String> holdFirstUntilLast(SweepSpec spec, Fakes fakes) {
    List<String> cells =
        ModelSweepRequest.first(spec.id(), spec, "m1", DATASET, null).cells().stream()
            .map(c -> c.id())
            .toList();
    fakes.longCell = cells.get(0);
    fakes.lastCell = cells.get(cells.size() - 1);
    return cells;
  }

  /** Three linear-probe cells per model (image 16 and 32, sequence 1; one seed), one test split. */
  static SweepSpec spec(String id, List<String> models, int window) {
    return new SweepSpec(
        id,
        DATASET.manifestUri(),
        "train",
        List.of("T1"),
        models,
        List.of("linear-probe"),
        List.of(
            new SamplingSpec("image", List.of(16, 32), false),
            new SamplingSpec("sequence", List.of(1), false)),
        1,
        "cpu-small",
        window);
  }

  @Test
  void generate() throws Exception {
    Path dir = Path.of(System.getProperty("labelcurve.histories"));
    Files.createDirectories(dir);
    for (String scenario :
        System.getProperty("labelcurve.histories.scenarios", SCENARIOS).split(",")) {
      TestWorkflowEnvironment env =
          TestWorkflowEnvironment.newInstance(
              // Real time: the cancel scenario holds a cell while the cancel request travels.
              TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
      try {
        Fakes fakes = new Fakes();
        Worker cpu = env.newWorker(SweepWorkflow.TASK_QUEUE);
        registerWorkflows(cpu);
        cpu.registerActivitiesImplementations(fakes, new FrameStoreFake(3, () -> 0));
        // The GPU queue: embedding and finetune cells.
        env.newWorker(EmbeddingActivities.TASK_QUEUE)
            .registerActivitiesImplementations(new Gpu(fakes));
        // Runs since the fan-out extract each split in ranges: three shards, three ranges.
        env.newWorker(ExtractionActivities.TASK_QUEUE)
            .registerActivitiesImplementations(
                new FanOutFake((EmbeddingActivities) fakes::embed, 3, 4));
        env.start();
        String sweepId = run(scenario.trim(), env.getWorkflowClient(), fakes);
        export(env.getWorkflowClient(), sweepId, scenario.trim(), dir);
      } finally {
        env.close();
      }
    }
  }

  /** Runs one scenario to its end; returns its sweep id. */
  private static String run(String scenario, WorkflowClient client, Fakes fakes) throws Exception {
    switch (scenario) {
      case "continue-as-new" -> {
        sweep(client, "can").run(SweepRequest.all(spec("can", List.of("m1"), 3)));
        return "can";
      }
      case "fan-out" -> {
        // Each split's three shards in three ranges, then three cells over a continue-as-new.
        sweep(client, "fan").run(SweepRequest.all(spec("fan", List.of("m1"), 3)));
        return "fan";
      }
      case "frame-store" -> {
        // Today's whole shape: the dataset's frame store built in shard ranges before the models,
        // extraction fanned out, probe cells over a continue-as-new.
        sweep(client, "frames").run(SweepRequest.all(spec("frames", List.of("m1"), 3)));
        return "frames";
      }
      case "cells-in-children" -> {
        // Finetune cells in CellWorkflow children: the first waits until the last one ran, so
        // that the model continues as new with it in flight and counts it from its signal.
        SweepSpec spec = finetuneSpec("kids");
        List<String> cells = holdFirstUntilLast(spec, fakes);
        sweep(client, "kids").run(SweepRequest.all(spec));
        return "kids";
      }
      case "probe-carried" -> {
        // A finetune cell carried through continue-as-new and terminated there: the model's last
        // run probes it (every second here), finds it gone, counts it failed and completes.
        SweepSpec spec = finetuneSpec("gone");
        List<String> cells = holdFirstUntilLast(spec, fakes);
        fakes.holdLong = new CountDownLatch(1);
        WorkflowClient.start(sweep(client, "gone")::run, SweepRequest.all(spec));
        if (!fakes.lastCellRan.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the last cell never ran");
        }
        String longCell =
            CellWorkflow.workflowId(ModelSweepWorkflow.workflowId("gone", "m1"), cells.get(0));
        awaitEvent(client, longCell, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
        client.newUntypedWorkflowStub(longCell).terminate("operator");
        fakes.holdLong.countDown();
        client.newUntypedWorkflowStub("gone").getResult(SweepResult.class);
        return "gone";
      }
      case "cancel" -> {
        // A window of one: a cell is in flight when the cancel arrives and one has not started.
        fakes.gate = new CountDownLatch(1);
        WorkflowClient.start(
            sweep(client, "cancel")::run, SweepRequest.all(spec("cancel", List.of("m1"), 1)));
        fakes.cellStarted.await(30, TimeUnit.SECONDS);
        client.newUntypedWorkflowStub("cancel").cancel();
        awaitEvent(
            client,
            ModelSweepWorkflow.workflowId("cancel", "m1"),
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
        fakes.gate.countDown();
        expectFailure(client, "cancel");
        return "cancel";
      }
      case "rerun" -> {
        // The first run fails a cell; the rerun (a new run under the same id) runs only it.
        fakes.failing = Set.of("m1.linear-probe.sequence-1.s0");
        sweep(client, "rerun").run(SweepRequest.all(spec("rerun", List.of("m1"), 3)));
        fakes.failing = Set.of();
        sweep(client, "rerun")
            .run(
                new SweepRequest(
                    spec("rerun", List.of("m1"), 3),
                    Set.of("m1.linear-probe.sequence-1.s0"),
                    false));
        return "rerun";
      }
      case "failed-model" -> {
        // m2 fails a cell and then cannot write its failure list, for good: its workflow fails.
        fakes.failing = Set.of("m2.linear-probe.image-16.s0");
        fakes.brokenBookkeeping = "m2";
        WorkflowClient.start(
            sweep(client, "failed")::run, SweepRequest.all(spec("failed", List.of("m1", "m2"), 3)));
        expectFailure(client, "failed");
        return "failed";
      }
      case "v0-child-ids" -> {
        // 'a' + 'b.c': the dotted ids of the old code made this 'a.b.c', like 'a.b' + 'c'.
        SweepSpec spec =
            new SweepSpec(
                "a",
                DATASET.manifestUri(),
                "train",
                List.of("T1"),
                List.of("b.c"),
                List.of("linear-probe"),
                List.of(
                    new SamplingSpec("image", List.of(16), false),
                    new SamplingSpec("sequence", List.of(1), false)),
                1,
                "cpu-small",
                3);
        sweep(client, "a").run(SweepRequest.all(spec));
        return "a";
      }
      default -> throw new IllegalArgumentException("no scenario " + scenario);
    }
  }

  /**
   * The real workflow types, the model workflow with {@link #CELLS_PER_RUN}. By reflection, so that
   * this file also compiles on the code before that constructor existed (the v0 history); there the
   * default is used, which the v0 scenario's two cells per model never reach. Where it can, a probe
   * of carried cells every second ({@link ModelSweepWorkflowImpl#PROBE_INTERVAL} is for real
   * sweeps), so that a probe comes while the scenario runs; replay uses the default, as a timer's
   * duration is not replayed.
   */
  static void registerWorkflows(Worker worker) throws ReflectiveOperationException {
    worker.registerWorkflowImplementationTypes(SweepWorkflowImpl.class);
    try {
      worker.registerWorkflowImplementationTypes(
          Class.forName("io.labelcurve.workflows.sweep.CellWorkflowImpl"));
    } catch (ClassNotFoundException before) {
      // Code before cells ran in children.
    }
    var probing =
        Arrays.stream(ModelSweepWorkflowImpl.class.getDeclaredConstructors())
            .filter(c -> c.getParameterCount() == 2 && c.getParameterTypes()[0] == int.class)
            .findFirst();
    if (probing.isPresent()) {
      probing.get().setAccessible(true);
      worker.registerWorkflowImplementationFactory(
          ModelSweepWorkflow.class,
          () -> {
            try {
              return (ModelSweepWorkflow)
                  probing.get().newInstance(CELLS_PER_RUN, java.time.Duration.ofSeconds(1));
            } catch (ReflectiveOperationException e) {
              throw new IllegalStateException(e);
            }
          });
      return;
    }
    var small =
        Arrays.stream(ModelSweepWorkflowImpl.class.getDeclaredConstructors())
            .filter(c -> c.getParameterCount() == 1 && c.getParameterTypes()[0] == int.class)
            .findFirst();
    if (small.isEmpty()) {
      worker.registerWorkflowImplementationTypes(ModelSweepWorkflowImpl.class);
      return;
    }
    small.get().setAccessible(true);
    worker.registerWorkflowImplementationFactory(
        ModelSweepWorkflow.class,
        () -> {
          try {
            return (ModelSweepWorkflow) small.get().newInstance(CELLS_PER_RUN);
          } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static SweepWorkflow sweep(WorkflowClient client, String id) {
    return client.newWorkflowStub(
        SweepWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(id)
            .setTaskQueue(SweepWorkflow.TASK_QUEUE)
            .build());
  }

  private static void expectFailure(WorkflowClient client, String id) {
    try {
      client.newUntypedWorkflowStub(id).getResult(SweepResult.class);
      throw new IllegalStateException("sweep " + id + " was expected to end failed or cancelled");
    } catch (WorkflowException expected) {
      // The scenario ends so.
    }
  }

  private static void awaitEvent(WorkflowClient client, String id, EventType type)
      throws InterruptedException {
    for (int i = 0; i < 300; i++) {
      if (client.fetchHistory(id).getEvents().stream().anyMatch(e -> e.getEventType() == type)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(id + " never got " + type);
  }

  /**
   * Writes the sweep's latest run as {@code sweep-{scenario}.json} and every run of each child it
   * started as {@code model-{model}-run{n}-{scenario}.json}, following continue-as-new.
   */
  static void export(WorkflowClient client, String sweepId, String scenario, Path dir)
      throws IOException {
    WorkflowExecutionHistory parent = client.fetchHistory(sweepId);
    Files.writeString(dir.resolve("sweep-" + scenario + ".json"), parent.toJson(true));
    for (HistoryEvent e : parent.getEvents()) {
      if (!e.hasChildWorkflowExecutionStartedEventAttributes()) {
        continue;
      }
      WorkflowExecution child =
          e.getChildWorkflowExecutionStartedEventAttributes().getWorkflowExecution();
      // Either scheme puts one separator character between sweep id and model.
      String model = child.getWorkflowId().substring(sweepId.length() + 1);
      String runId = child.getRunId();
      for (int n = 1; runId != null; n++) {
        WorkflowExecutionHistory h = client.fetchHistory(child.getWorkflowId(), runId);
        Files.writeString(
            dir.resolve("model-" + model + "-run" + n + "-" + scenario + ".json"), h.toJson(true));
        // Cell workflows (since cells-in-children): the run that started each one.
        for (HistoryEvent c : h.getEvents()) {
          if (c.hasChildWorkflowExecutionStartedEventAttributes()) {
            WorkflowExecution cell =
                c.getChildWorkflowExecutionStartedEventAttributes().getWorkflowExecution();
            String cellId = cell.getWorkflowId().substring(child.getWorkflowId().length() + 1);
            WorkflowExecutionHistory ch =
                client.fetchHistory(cell.getWorkflowId(), cell.getRunId());
            if (ch.getLastEvent().hasWorkflowExecutionTerminatedEventAttributes()) {
              // A terminated cell (probe-carried): the SDK's replayer rejects that last event
              // ("Unexpected event" WORKFLOW_EXECUTION_TERMINATED), and it says nothing of our
              // code.
              continue;
            }
            Files.writeString(
                dir.resolve("cell-" + cellId + "-" + scenario + ".json"), ch.toJson(true));
          }
        }
        HistoryEvent last = h.getLastEvent();
        runId =
            last.hasWorkflowExecutionContinuedAsNewEventAttributes()
                ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()
                : null;
      }
    }
  }

  /** The GPU queue's activities. */
  record Gpu(Fakes fakes) implements EmbeddingActivities, FinetuneActivities {
    @Override
    public EmbeddingSet embed(EmbedRequest r) {
      return fakes.embed(r);
    }

    @Override
    public CellResult runFinetuneCell(FinetuneCellRequest r) {
      return fakes.finetune(r);
    }
  }

  /** Small, fast activities; a scenario sets what fails and what waits. */
  static final class Fakes
      implements DatasetActivities, EmbeddingActivities, ProbeActivities, ResultActivities {
    volatile Set<String> failing = Set.of();
    volatile String brokenBookkeeping;
    volatile CountDownLatch gate;
    final CountDownLatch cellStarted = new CountDownLatch(1);

    /** The finetune cell that waits until {@link #lastCell} ran (cells-in-children). */
    volatile String longCell;

    volatile String lastCell;
    final CountDownLatch lastCellRan = new CountDownLatch(1);

    /** Holds {@link #longCell} until released (probe-carried: it is terminated meanwhile). */
    volatile CountDownLatch holdLong;

    CellResult finetune(FinetuneCellRequest r) {
      String id = r.cell().id();
      if (id.equals(lastCell)) {
        lastCellRan.countDown();
      }
      try {
        if (id.equals(longCell) && !lastCellRan.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the last cell never ran");
        }
        CountDownLatch hold = holdLong;
        if (id.equals(longCell) && hold != null && !hold.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the long cell was never released");
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return new CellResult(
          id,
          "s3://b/sweeps/" + r.sweepId() + "/cells/" + id + ".json",
          r.cell().size(),
          1.0,
          List.of(new CellResult.SplitScore("T1", "image", 0.9, 10)),
          false);
    }

    @Override
    public DatasetSummary prepare(SweepSpec spec) {
      return DATASET;
    }

    @Override
    public EmbeddingSet embed(EmbedRequest r) {
      int n = r.withVariants() ? 200 : 10;
      return new EmbeddingSet(
          "embeddings/" + r.model() + "/" + r.split() + "/",
          r.model(),
          r.split(),
          n,
          1,
          8,
          n,
          0,
          1000,
          1.0,
          "test");
    }

    @Override
    public CellResult runProbeCell(ProbeCellRequest r) {
      cellStarted.countDown();
      CountDownLatch g = gate;
      try {
        if (g != null && !g.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("gate never opened");
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      if (failing.contains(r.cell().id())) {
        throw ApplicationFailure.newNonRetryableFailure("cannot train " + r.cell().id(), "Test");
      }
      return new CellResult(
          r.cell().id(),
          "s3://b/sweeps/" + r.sweepId() + "/cells/" + r.cell().id() + ".json",
          r.cell().size(),
          0.1,
          List.of(new CellResult.SplitScore("T1", "image", 0.5, 10)),
          false);
    }

    @Override
    public String writeSpec(SweepSpec spec, DatasetSummary dataset) {
      return "s3://b/sweeps/" + spec.id() + "/spec.json";
    }

    @Override
    public String writeFailures(String sweepId, String part, Map<String, String> failures) {
      if (brokenBookkeeping != null && part.startsWith(brokenBookkeeping + ".")) {
        throw ApplicationFailure.newNonRetryableFailure("S3 unavailable", "Test");
      }
      return "s3://b/sweeps/" + sweepId + "/failures/" + part + ".json";
    }

    @Override
    public String writeResults(String sweepId) {
      return "s3://b/sweeps/" + sweepId + "/results.csv";
    }

    @Override
    public String writeReport(String sweepId) {
      return "s3://b/sweeps/" + sweepId + "/report/index.html";
    }
  }
}
