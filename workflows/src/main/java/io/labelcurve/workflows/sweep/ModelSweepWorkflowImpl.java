package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.EmbeddingActivities;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.activities.ExtractionActivities;
import io.labelcurve.workflows.activities.ExtractionPlan;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.activities.FinishRequest;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.labelcurve.workflows.activities.ProbeCellRequest;
import io.labelcurve.workflows.activities.RangeRequest;
import io.labelcurve.workflows.activities.RangeResult;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.Adaptations;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.SignalExternalWorkflowException;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * See {@link ModelSweepWorkflow}.
 *
 * <p>History stays bounded by continue-as-new: a run starts at most {@link #CELLS_PER_RUN} cells,
 * and stops starting cells once its history passes {@link #HISTORY_EVENTS_PER_RUN} events (or the
 * server suggests continuing), whichever comes first. It then lets its probe cells drain, writes
 * the ids of the cells that failed in it, and continues as new with a cursor, counters and the ids
 * of its finetune cells still running (in {@link CellWorkflow} children, see {@link #runCells});
 * the next run re-plans the cells deterministically, starts at the cursor and counts the carried
 * cells when they signal. Runs from before {@link #CELLS_IN_CHILDREN} drain every cell first.
 */
public final class ModelSweepWorkflowImpl implements ModelSweepWorkflow {
  /**
   * A cell costs about 3 events (scheduled, started, completed) plus its share of workflow tasks (3
   * events each, one task per few completions): 500 cells are about 2,000–3,000 events, a third of
   * Temporal's 10,240-event warning limit (and far under its 51,200 hard limit), and the replay of
   * such a run is cheap when a worker picks the workflow up cold.
   */
  static final int CELLS_PER_RUN = 500;

  /**
   * The event budget of one run, for when cells are not the only thing in history (retries,
   * embeddings, a wide window). Checked before each new cell; draining a window of up to 200 cells
   * adds at most ~1,200 events, so a run ends well under 10,240.
   */
  static final int HISTORY_EVENTS_PER_RUN = 4_000;

  /** Failure messages carried through continue-as-new and returned; every id goes to the bucket. */
  static final int FAILURE_SAMPLE = 20;

  /**
   * Failed cells per writeFailures call: at most about 200 KB of ids and messages (a message, e.g.
   * a numerics check's, is up to a kilobyte), well inside Temporal's 2 MB payload limit.
   */
  static final int FAILURES_PER_WRITE = 200;

  /**
   * Ranges a split's extraction is cut into at most: each a separate activity on {@link
   * ExtractionActivities#TASK_QUEUE}, so that up to this many device slots, on every worker, embed
   * one model's pool at once (the paper's pool, 2,832 shards of 1,024, in ranges of 44-45 shards:
   * seconds to a minute each on a GPU, against a few seconds to load the model). A range is at
   * least one shard, so a small split is fewer ranges. 64 ranges add about 200 events to the run's
   * history and 64 small results to the finishing activity's input.
   */
  static final int MAX_RANGES = 64;

  /** The version marker of the fanned-out extraction; runs before it embed a split in one go. */
  static final String FAN_OUT = "extraction-fan-out";

  /**
   * The version marker of finetune cells run as {@link CellWorkflow} children that outlive
   * continue-as-new; runs before it run every cell as an activity and drain the window first.
   */
  static final String CELLS_IN_CHILDREN = "cells-in-children";

  /**
   * The version marker of probing carried cells ({@link #awaitCells}); runs before it wait for a
   * carried cell's signal alone, and wait forever for one whose workflow closed without it.
   */
  static final String PROBE_CARRIED = "probe-carried-cells";

  /**
   * How often a waiting run probes the cells it carried. A probe costs the model a timer and two
   * workflow tasks (10 events) and two events per carried cell, and each cell a signal and a
   * workflow task (4): for a window of three some 16 events every 30 minutes, about 750 a day in a
   * run that waits (against Temporal's 10,240-event warning; a finetune attempt is capped at 48
   * hours, about 1,500). Every 10 minutes would triple that for nothing: the probe only has to find
   * a cell an operator terminated (or that timed out or was reset) before anyone wonders why the
   * sweep sits still, and finetune cells take minutes to hours.
   */
  static final Duration PROBE_INTERVAL = Duration.ofMinutes(30);

  /** The failure type of a continued run whose re-plan differs from the first run's. */
  public static final String PLAN_CHANGED = "PlanChanged";

  /** Cells one run starts at most: {@link #CELLS_PER_RUN}, lower in tests only. */
  private final int cellsPerRun;

  /** {@link #PROBE_INTERVAL}, shorter in tests only. */
  private final Duration probeInterval;

  private final EmbeddingActivities embedding =
      Workflow.newActivityStub(EmbeddingActivities.class, ActivityOptionsCatalog.embedding());
  private final ExtractionActivities extraction =
      Workflow.newActivityStub(ExtractionActivities.class, ActivityOptionsCatalog.extractRange());
  private final ExtractionActivities extractionBookkeeping =
      Workflow.newActivityStub(
          ExtractionActivities.class, ActivityOptionsCatalog.extractionBookkeeping());
  private final ProbeActivities probe =
      Workflow.newActivityStub(ProbeActivities.class, ActivityOptionsCatalog.probeCell());
  private final FinetuneActivities finetune =
      Workflow.newActivityStub(FinetuneActivities.class, ActivityOptionsCatalog.finetuneCell());
  private final ResultActivities results =
      Workflow.newActivityStub(ResultActivities.class, ActivityOptionsCatalog.results());

  private SweepPhase phase = SweepPhase.EMBEDDING;
  private int planned;
  private int done;
  private int failedCount;
  private int running;
  private long images;

  /** Images the embedding activities computed for this model, in this run and those before. */
  private int embedded;

  /** Images of this model found in the embedding cache, in this run and those before. */
  private int fromCache;

  private final Map<String, String> failureSample = new TreeMap<>();

  /** Every cell that failed in this run (at most {@link #CELLS_PER_RUN}). */
  private final Map<String, String> failedThisRun = new LinkedHashMap<>();

  /**
   * Cells whose {@link CellWorkflow} runs (started here or carried from a previous run) and has not
   * been counted; a cell is counted only when it leaves this set, so exactly once.
   */
  private final Set<String> childrenInFlight = new LinkedHashSet<>();

  /**
   * Outcomes signalled for cells not (yet) in {@link #childrenInFlight}: a signal can be handled
   * before the run has put its carried cells there. Applied when the cell is added; others (a late
   * duplicate of a cell counted by an earlier run) are never read.
   */
  private final Map<String, CellOutcome> earlyOutcomes = new LinkedHashMap<>();

  /** Since {@link #PROBE_CARRIED}: this run probes {@link #unwatched} while it waits for cells. */
  private boolean probing;

  /**
   * Cells in {@link #childrenInFlight} whose workflow this run has no result promise of (carried
   * from an earlier run, or started by one: its start here was refused): only their signal or a
   * probe ({@link #probe}) counts them.
   */
  private final Set<String> unwatched = new LinkedHashSet<>();

  /** The timer of the next probe, kept across waits so that each wait costs no timer of its own. */
  private Promise<Void> nextProbe;

  /** The implementation workers register. */
  public ModelSweepWorkflowImpl() {
    this(CELLS_PER_RUN);
  }

  /**
   * For tests that need continue-as-new after a few cells (the replay histories): registered
   * through a factory, and replayed with the same value, since the point where a run continues as
   * new is part of its history.
   */
  ModelSweepWorkflowImpl(int cellsPerRun) {
    this(cellsPerRun, PROBE_INTERVAL);
  }

  /**
   * For tests of the probe ({@link #awaitCells}) in real time: a timer's duration is not part of
   * what a replay checks, so its histories replay with the default too.
   */
  ModelSweepWorkflowImpl(int cellsPerRun, Duration probeInterval) {
    this.cellsPerRun = cellsPerRun;
    this.probeInterval = probeInterval;
  }

  @Override
  public ModelSweepResult run(ModelSweepRequest request) {
    List<Cell> cells = request.cells();
    String planDigest = ModelSweepRequest.digestOf(cells);
    if (request.planDigest() != null && !request.planDigest().equals(planDigest)) {
      // The cursor indexes the first run's plan; in another plan it would skip or repeat cells.
      throw ApplicationFailure.newNonRetryableFailure(
          "model "
              + request.model()
              + " of sweep "
              + request.sweepId()
              + ": its cells re-planned after continue-as-new differ from the"
              + " plan it started with ("
              + cells.size()
              + " cells now; a planner change deployed"
              + " while the sweep ran?); resuming at cell "
              + request.cursor()
              + " would skip or"
              + " repeat cells. Finished cells are in the bucket: run 'labelcurve sweep rerun "
              + request.sweepId()
              + "' to run the ones left under the new plan.",
          PLAN_CHANGED);
    }
    ModelSweepRequest.Counters before = request.progress();
    planned = cells.size();
    done = before.done();
    failedCount = before.failed();
    failureSample.putAll(before.failureSample());
    DatasetSummary dataset = request.dataset();
    embedded = before.imagesEmbedded();
    fromCache = before.imagesFromCache();

    List<EmbeddingSet> sets = request.embeddings();
    // Only linear-probe cells read embeddings; a finetune-only model embeds nothing.
    boolean probes =
        cells.subList(request.cursor(), cells.size()).stream()
            .anyMatch(c -> Adaptations.LINEAR_PROBE.equals(c.adaptation()));
    if (sets.isEmpty() && probes) {
      // Every split is embedded once, in parallel, before the cells that need it; the cache makes
      // a split that another sweep already embedded cost nothing. A continued run carries them.
      // The augmentation travels only when the spec names one: requests (and the histories that
      // replay them) of specs without it stay as they were.
      List<EmbedRequest> splits = new ArrayList<>();
      splits.add(
          new EmbedRequest(
              dataset.manifestUri(),
              dataset.digest(),
              dataset.trainSplit(),
              true,
              request.model(),
              request.spec().preset(),
              request.spec().augmentation()));
      for (String split : request.spec().testSplits()) {
        splits.add(
            new EmbedRequest(
                dataset.manifestUri(),
                dataset.digest(),
                split,
                false,
                request.model(),
                request.spec().preset()));
      }
      // Runs started before the fan-out (no marker in their history) embed each split in one
      // activity on the finetune queue, as they did; new runs fan each split out in ranges.
      boolean fanOut =
          Workflow.getVersion(FAN_OUT, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
      List<Promise<EmbeddingSet>> promises = new ArrayList<>();
      for (EmbedRequest split : splits) {
        promises.add(
            fanOut
                ? Async.function(this::extract, split)
                : Async.function(embedding::embed, split));
      }
      List<EmbeddingSet> got = new ArrayList<>();
      try {
        for (Promise<EmbeddingSet> p : promises) {
          got.add(p.get());
        }
      } catch (ActivityFailure e) {
        if (CancellationScope.current().isCancelRequested()) {
          throw new CanceledFailure("sweep cancelled while embedding " + request.model());
        }
        // Without embeddings no cell of this model can run: every cell fails with the reason.
        String reason = "embedding failed: " + rootMessage(e);
        for (Cell c : cells.subList(request.cursor(), cells.size())) {
          fail(c.id(), reason);
        }
        writeFailures(request);
        phase = SweepPhase.FAILED;
        return result(request);
      }
      sets = got;
      for (EmbeddingSet s : sets) {
        embedded += s.computed();
        fromCache += s.fromCache();
      }
    }
    for (EmbeddingSet s : sets) {
      images += s.images();
    }
    EmbeddingSet train = sets.isEmpty() ? null : sets.get(0);
    List<EmbeddingSet> tests = sets.isEmpty() ? List.of() : sets.subList(1, sets.size());

    phase = SweepPhase.CELLS;
    int window = Math.max(1, request.spec().maxCellsInFlight());
    // Runs started before (no marker in their history) run every cell as an activity and drain the
    // window before continuing as new; new runs keep finetune cells running across it.
    if (Workflow.getVersion(CELLS_IN_CHILDREN, Workflow.DEFAULT_VERSION, 1)
        != Workflow.DEFAULT_VERSION) {
      return runCells(request, cells, planDigest, sets, train, tests, window);
    }
    // Promises that never fail (runActivityCell), so "any" of a full window returns on a failure.
    List<Promise<Void>> inFlight = new ArrayList<>();
    int next =
        startCells(
            request,
            cells,
            () -> inFlight.size() >= window,
            () -> {
              Promise.anyOf(inFlight).get();
              inFlight.removeIf(Promise::isCompleted);
            },
            cell -> inFlight.add(runActivityCell(request, cell, train, tests)));
    // The window drains before this run ends: a continued run must not lose a cell in flight.
    Promise.allOf(inFlight).get();
    // Its window drained: nothing to carry (the run it continues into takes the children loop).
    return endRun(request, planDigest, sets, next, List.of());
  }

  /**
   * The cells of a run since {@link #CELLS_IN_CHILDREN}: probe cells are activities, as before
   * (seconds each: draining them before continue-as-new costs little), and finetune cells, which
   * hold a device for hours, are {@link CellWorkflow} children started with {@code
   * ParentClosePolicy.ABANDON}. Before continuing as new the run drains its probe activities but
   * waits for its children only to have <em>started</em>; it carries the ids of those still running
   * ({@link ModelSweepRequest#cellsInFlight}, at most the window) and the next run counts them when
   * they signal {@link #cellDone}. The window thus stays full across continue-as-new.
   */
  private ModelSweepResult runCells(
      ModelSweepRequest request,
      List<Cell> cells,
      String planDigest,
      List<EmbeddingSet> sets,
      EmbeddingSet train,
      List<EmbeddingSet> tests,
      int window) {
    probing =
        Workflow.getVersion(PROBE_CARRIED, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
    for (String carried : request.cellsInFlight()) {
      track(carried);
      if (probing && childrenInFlight.contains(carried)) {
        unwatched.add(carried);
      }
    }
    List<Promise<Void>> probesInFlight = new ArrayList<>();
    // One per child started in this run, completed once the child started (or could not start).
    List<Promise<Void>> childStarts = new ArrayList<>();
    int next =
        startCells(
            request,
            cells,
            () -> running >= window,
            () -> {
              // Detached, so that a cancel request does not throw here but wakes the wait and is
              // seen at the top of the loop (the cells in flight hold on: they finish, as they
              // always did).
              CancellationScope run = CancellationScope.current();
              Workflow.newDetachedCancellationScope(
                      () -> awaitCells(request, () -> running < window || run.isCancelRequested()))
                  .run();
              probesInFlight.removeIf(Promise::isCompleted);
              childStarts.removeIf(Promise::isCompleted);
            },
            cell -> {
              if (Adaptations.FINETUNE.equals(cell.adaptation())) {
                childStarts.add(
                    startChild(
                        ModelSweepWorkflow.workflowId(request.sweepId(), request.model()),
                        new CellWorkflowRequest(null, finetuneRequest(request, cell))));
              } else {
                probesInFlight.add(runActivityCell(request, cell, train, tests));
              }
            });
    // Probe cells drain (seconds); children need only have started, so that the ids carried are
    // of workflows that exist and will signal this model's workflow id when they end.
    Promise.allOf(probesInFlight).get();
    Promise.allOf(childStarts).get();
    if (CancellationScope.current().isCancelRequested() || next >= cells.size()) {
      // As before: cancelling stops new cells and lets those in flight finish; their outcomes are
      // this run's to count and write.
      Workflow.newDetachedCancellationScope(() -> awaitCells(request, childrenInFlight::isEmpty))
          .run();
    }
    return endRun(request, planDigest, sets, next, List.copyOf(childrenInFlight));
  }

  /**
   * Starts the request's cells from its cursor, one whenever {@code windowFull} says there is room
   * (else {@code waitForRoom}, then asks again), until every cell started, a cancel is requested,
   * or this run has started {@link #cellsPerRun} cells or grown past {@link
   * #HISTORY_EVENTS_PER_RUN} events (or the server suggests continuing); returns the index of the
   * first cell not started. Shared by both cell loops, whose commands (in {@code waitForRoom} and
   * {@code start}) differ while their checks, and when they are made, must not.
   */
  private int startCells(
      ModelSweepRequest request,
      List<Cell> cells,
      BooleanSupplier windowFull,
      Runnable waitForRoom,
      Consumer<Cell> start) {
    int next = request.cursor();
    int startedThisRun = 0;
    while (next < cells.size()) {
      if (CancellationScope.current().isCancelRequested()) {
        break;
      }
      if (startedThisRun >= cellsPerRun
          || Workflow.getInfo().getHistoryLength() > HISTORY_EVENTS_PER_RUN
          || Workflow.getInfo().isContinueAsNewSuggested()) {
        break;
      }
      if (windowFull.getAsBoolean()) {
        waitForRoom.run();
        continue;
      }
      Cell cell = cells.get(next++);
      startedThisRun++;
      start.accept(cell);
    }
    return next;
  }

  /**
   * Runs one cell as an activity, in a detached scope: cancelling the sweep stops new cells
   * (checked in {@link #startCells}) and lets those in flight finish, without cancel requests
   * racing their completion. Returns a promise that never fails, so that waiting for "any" of a
   * full window returns on a failed cell too; the outcome is counted as the cell completes.
   */
  private Promise<Void> runActivityCell(
      ModelSweepRequest request, Cell cell, EmbeddingSet train, List<EmbeddingSet> tests) {
    running++;
    List<Promise<CellResult>> started = new ArrayList<>(1);
    Workflow.newDetachedCancellationScope(
            () ->
                started.add(
                    Adaptations.FINETUNE.equals(cell.adaptation())
                        ? Async.function(finetune::runFinetuneCell, finetuneRequest(request, cell))
                        : Async.function(
                            probe::runProbeCell,
                            new ProbeCellRequest(
                                request.sweepId(),
                                cell,
                                request.dataset(),
                                train,
                                tests,
                                request.spec().augmentation(),
                                request.spec().voteFrames()))))
        .run();
    return started
        .get(0)
        .handle(
            (result, failure) -> {
              running--;
              if (failure == null) {
                done++;
              } else if (!isCancellation(failure)) {
                fail(cell.id(), rootMessage(failure));
              }
              return null;
            });
  }

  /** A finetune cell's activity request, the same whether an activity or a child runs it. */
  private static FinetuneCellRequest finetuneRequest(ModelSweepRequest request, Cell cell) {
    return new FinetuneCellRequest(
        request.sweepId(),
        cell,
        request.dataset(),
        request.spec().preset(),
        request.spec().testSplits(),
        false,
        request.spec().finetuneEpochsFor(cell.sampling(), cell.size()),
        request.spec().augmentation(),
        request.spec().voteFrames());
  }

  /**
   * The end of a run once its cells are started and waited for, the same for both cell loops: a
   * cancelled run writes its failures and throws; otherwise it writes them and then, with cells
   * left ({@code next} short of the plan), continues as new from {@code next} carrying {@code
   * carried} (the cell workflows still running), or returns the model's result. A cancel request
   * stays requested once made, so the one {@link #startCells} stopped at is seen here again.
   */
  private ModelSweepResult endRun(
      ModelSweepRequest request,
      String planDigest,
      List<EmbeddingSet> sets,
      int next,
      List<String> carried) {
    if (CancellationScope.current().isCancelRequested()) {
      // Finished cells are in the bucket already; only the failures of this run are left to say.
      Workflow.newDetachedCancellationScope(() -> writeFailures(request)).run();
      phase = SweepPhase.CANCELLED;
      throw new CanceledFailure(
          "sweep "
              + request.sweepId()
              + " cancelled; "
              + done
              + " cells of "
              + request.model()
              + " done");
    }
    writeFailures(request);
    if (next < planned) {
      phase = SweepPhase.CONTINUING;
      ModelSweepRequest.Counters counters =
          new ModelSweepRequest.Counters(
              done, failedCount, failureSample, embedded, fromCache, runs(request));
      Workflow.continueAsNew(
          new ModelSweepRequest(
              request.sweepId(),
              request.spec(),
              request.model(),
              request.dataset(),
              request.onlyCells(),
              next,
              counters,
              sets,
              planDigest,
              carried));
    }
    phase = SweepPhase.DONE;
    return result(request);
  }

  /**
   * Starts one cell's workflow, abandoned on close so that it outlives this run, with the id {@link
   * CellWorkflow#workflowId} of {@code modelId}: the model's id from its request (not from {@code
   * Workflow.getInfo}, which a replayer sets to a placeholder; a model of a sweep from before the
   * slash ids has a dotted id of its own, and its cells' ids are unique all the same); returns a
   * promise completed once it started. Its outcome is counted by {@link #settle} from whichever
   * comes first: its completion (seen by this run only) or its signal (seen by whichever run is
   * current). A start refused because a workflow of that id runs already (an abandoned cell of an
   * earlier run of this model id, e.g. before a rerun) leaves the cell in flight: that workflow
   * signals this model id when it ends.
   */
  private Promise<Void> startChild(String modelId, CellWorkflowRequest cellRequest) {
    String cellId = cellRequest.cellId();
    track(cellId);
    CellWorkflow child =
        Workflow.newChildWorkflowStub(
            CellWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(CellWorkflow.workflowId(modelId, cellId))
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
                .build());
    List<Promise<CellResult>> result = new ArrayList<>(1);
    // Detached: cancelling the model lets its cells finish, as it always did.
    Workflow.newDetachedCancellationScope(() -> result.add(Async.function(child::run, cellRequest)))
        .run();
    result
        .get(0)
        .handle(
            (r, failure) -> {
              if (failure == null) {
                settle(new CellOutcome(cellId, null, false));
              } else if (!isAlreadyStarted(failure)) {
                boolean cancel = isCancellation(failure);
                settle(new CellOutcome(cellId, cancel ? null : rootMessage(failure), cancel));
              } else if (probing && childrenInFlight.contains(cellId)) {
                unwatched.add(cellId);
              }
              return null;
            });
    Promise<WorkflowExecution> started = Workflow.getWorkflowExecution(child);
    return started.handle((execution, failure) -> null);
  }

  /**
   * Waits until {@code ready}; since {@link #PROBE_CARRIED}, while {@link #unwatched} cells are in
   * flight, probes them every {@link #probeInterval} on the way. With none, no timer: a run without
   * carried cells has the history it had before.
   */
  private void awaitCells(ModelSweepRequest request, Supplier<Boolean> ready) {
    while (!ready.get()) {
      if (!probing || unwatched.isEmpty()) {
        Workflow.await(() -> ready.get() || (probing && !unwatched.isEmpty()));
        continue;
      }
      if (nextProbe == null) {
        nextProbe = Workflow.newTimer(probeInterval);
      }
      Promise<Void> due = nextProbe;
      Workflow.await(() -> ready.get() || due.isCompleted());
      if (due.isCompleted()) {
        nextProbe = null;
        probe(request);
      }
    }
  }

  /**
   * Signals {@link CellWorkflow#ping} to every {@link #unwatched} cell; one whose signal fails
   * because no workflow of its id runs closed without reporting, and is counted as failed, unless
   * its {@link #cellDone} came meanwhile ({@link #settle} counts a cell once). That cannot be a
   * report still on its way: a cell workflow signals its model (and waits until the signal is
   * delivered) before it completes, so its signal is in this history before the probe's failure,
   * which the server records only once the cell has closed. A cell that closed without its signal
   * is one an operator terminated, that timed out, or that was reset (its new run, while open,
   * takes the probe).
   */
  private void probe(ModelSweepRequest request) {
    String modelId = ModelSweepWorkflow.workflowId(request.sweepId(), request.model());
    for (String cellId : List.copyOf(unwatched)) {
      String workflowId = CellWorkflow.workflowId(modelId, cellId);
      CellWorkflow cell = Workflow.newExternalWorkflowStub(CellWorkflow.class, workflowId);
      Async.procedure(cell::ping)
          .handle(
              (ignored, failure) -> {
                if (failure != null && isNotFound(failure)) {
                  settle(
                      new CellOutcome(
                          cellId,
                          "cell workflow "
                              + workflowId
                              + " closed without reporting (terminated, timed out or reset);"
                              + " rerun the sweep to compute it",
                          false));
                }
                return null;
              });
    }
  }

  /**
   * Whether a signal failed because its workflow is not open: the SDK fails the signal's promise
   * with an {@link ApplicationFailure} typed by the server's cause, and throws {@link
   * SignalExternalWorkflowException} from a blocking signal. Other causes (the target's signal
   * limit) say nothing about the cell.
   */
  static boolean isNotFound(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SignalExternalWorkflowException
          || (c instanceof ApplicationFailure af
              && af.getType().endsWith("EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND"))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isAlreadyStarted(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof WorkflowExecutionAlreadyStarted) {
        return true;
      }
    }
    return false;
  }

  /**
   * One split fanned out: planned, its shards extracted in up to {@link #MAX_RANGES} ranges at
   * once, then finished. A split found in the cache costs the plan alone.
   */
  private EmbeddingSet extract(EmbedRequest split) {
    ExtractionPlan plan = extractionBookkeeping.planExtraction(split);
    if (plan.cached() != null) {
      return plan.cached();
    }
    List<Promise<RangeResult>> ranges = new ArrayList<>();
    for (int[] r : ranges(plan.shards(), MAX_RANGES)) {
      ranges.add(
          Async.function(
              extraction::extractRange,
              new RangeRequest(split, plan.prefix(), plan.shardSize(), r[0], r[1])));
    }
    List<RangeResult> done = new ArrayList<>(ranges.size());
    for (Promise<RangeResult> r : ranges) {
      done.add(r.get());
    }
    return extractionBookkeeping.finishExtraction(new FinishRequest(split, plan, done));
  }

  /**
   * {@code shards} cut into at most {@code max} contiguous ranges {@code [from, to)} whose sizes
   * differ by one at most, in order; none for no shards.
   */
  static List<int[]> ranges(int shards, int max) {
    int n = Math.min(shards, max);
    List<int[]> out = new ArrayList<>(n);
    int from = 0;
    for (int i = 0; i < n; i++) {
      int size = shards / n + (i < shards % n ? 1 : 0);
      out.add(new int[] {from, from + size});
      from += size;
    }
    return out;
  }

  private ModelSweepResult result(ModelSweepRequest request) {
    return new ModelSweepResult(
        request.model(), done, failedCount, failureSample, embedded, fromCache, runs(request));
  }

  /** Runs of this model's workflow up to and including this one. */
  private static int runs(ModelSweepRequest request) {
    return request.progress().runs() + 1;
  }

  private void fail(String cellId, String message) {
    failedCount++;
    failedThisRun.put(cellId, message);
    if (failureSample.size() < FAILURE_SAMPLE) {
      failureSample.put(cellId, message);
    }
  }

  /**
   * Writes this run's failed cells to {@code sweeps/{id}/failures/}, where a rerun finds them, in
   * parts of at most {@value #FAILURES_PER_WRITE}: when extraction fails every cell of the run
   * fails, and one activity input holding them all would grow with the grid towards Temporal's
   * payload limit (2 MB). The first part keeps the name it always had.
   */
  private void writeFailures(ModelSweepRequest request) {
    List<Map.Entry<String, String>> all = new ArrayList<>(failedThisRun.entrySet());
    String part = request.model() + "." + Workflow.getInfo().getRunId();
    for (int from = 0; from < all.size(); from += FAILURES_PER_WRITE) {
      Map<String, String> chunk = new LinkedHashMap<>();
      for (Map.Entry<String, String> e :
          all.subList(from, Math.min(all.size(), from + FAILURES_PER_WRITE))) {
        chunk.put(e.getKey(), e.getValue());
      }
      int k = from / FAILURES_PER_WRITE;
      results.writeFailures(request.sweepId(), k == 0 ? part : part + "." + k, chunk);
    }
  }

  static boolean isCancellation(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof CanceledFailure) {
        return true;
      }
    }
    return false;
  }

  static String rootMessage(Throwable t) {
    Throwable cause = t;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    if (cause instanceof TemporalFailure tf) {
      return tf.getOriginalMessage();
    }
    return String.valueOf(cause.getMessage());
  }

  @Override
  public void cellDone(CellOutcome outcome) {
    if (childrenInFlight.contains(outcome.cellId())) {
      settle(outcome);
    } else {
      earlyOutcomes.putIfAbsent(outcome.cellId(), outcome);
    }
  }

  /** A cell workflow is in flight from now on, unless its outcome came already. */
  private void track(String cellId) {
    childrenInFlight.add(cellId);
    running++;
    CellOutcome early = earlyOutcomes.remove(cellId);
    if (early != null) {
      settle(early);
    }
  }

  /** Counts a cell workflow's outcome once: the first report of it wins, later ones do nothing. */
  private void settle(CellOutcome outcome) {
    if (!childrenInFlight.remove(outcome.cellId())) {
      return;
    }
    unwatched.remove(outcome.cellId());
    running--;
    if (outcome.cancelled()) {
      return;
    }
    if (outcome.failure() == null) {
      done++;
    } else {
      fail(outcome.cellId(), outcome.failure());
    }
  }

  @Override
  public SweepProgress progress() {
    return new SweepProgress(phase, planned, done, failedCount, running, images);
  }
}
