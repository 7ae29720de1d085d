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
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * See {@link ModelSweepWorkflow}.
 *
 * <p>History stays bounded by continue-as-new: a run starts at most {@link #CELLS_PER_RUN} cells,
 * and stops starting cells once its history passes {@link #HISTORY_EVENTS_PER_RUN} events (or the
 * server suggests continuing), whichever comes first. It then lets the window drain, writes the ids
 * of the cells that failed in it, and continues as new with a cursor and counters; the next run
 * re-plans the cells deterministically and starts at the cursor.
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

  /** The failure type of a continued run whose re-plan differs from the first run's. */
  public static final String PLAN_CHANGED = "PlanChanged";

  /** Cells one run starts at most: {@link #CELLS_PER_RUN}, lower in tests only. */
  private final int cellsPerRun;

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
  private final Map<String, String> failureSample = new TreeMap<>();

  /** Every cell that failed in this run (at most {@link #CELLS_PER_RUN}). */
  private final Map<String, String> failedThisRun = new LinkedHashMap<>();

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
    this.cellsPerRun = cellsPerRun;
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
    int embedded = before.imagesEmbedded();
    int fromCache = before.imagesFromCache();

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
        return result(request, embedded, fromCache, before.runs() + 1);
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
    // Each cell's promise is turned into one that never fails, so that waiting for "any" of a
    // full window returns on a failed cell too; the outcome is recorded as the cell completes.
    List<Promise<Void>> inFlight = new ArrayList<>();
    int next = request.cursor();
    int startedThisRun = 0;
    boolean cancelled = false;
    while (next < cells.size()) {
      if (CancellationScope.current().isCancelRequested()) {
        cancelled = true;
        break;
      }
      if (startedThisRun >= cellsPerRun
          || Workflow.getInfo().getHistoryLength() > HISTORY_EVENTS_PER_RUN
          || Workflow.getInfo().isContinueAsNewSuggested()) {
        break;
      }
      if (inFlight.size() >= window) {
        Promise.anyOf(inFlight).get();
        inFlight.removeIf(Promise::isCompleted);
        continue;
      }
      Cell cell = cells.get(next++);
      startedThisRun++;
      running++;
      // A cell runs in a detached scope: cancelling the sweep stops new cells (checked above) and
      // lets those in flight finish, without cancel requests racing their completion.
      List<Promise<CellResult>> started = new ArrayList<>(1);
      Workflow.newDetachedCancellationScope(
              () ->
                  started.add(
                      Adaptations.FINETUNE.equals(cell.adaptation())
                          ? Async.function(
                              finetune::runFinetuneCell,
                              new FinetuneCellRequest(
                                  request.sweepId(),
                                  cell,
                                  dataset,
                                  request.spec().preset(),
                                  request.spec().testSplits(),
                                  false,
                                  request.spec().finetuneEpochsFor(cell.sampling(), cell.size()),
                                  request.spec().augmentation(),
                                  request.spec().voteFrames()))
                          : Async.function(
                              probe::runProbeCell,
                              new ProbeCellRequest(
                                  request.sweepId(),
                                  cell,
                                  dataset,
                                  train,
                                  tests,
                                  request.spec().augmentation(),
                                  request.spec().voteFrames()))))
          .run();
      Promise<CellResult> outcome = started.get(0);
      inFlight.add(
          outcome.handle(
              (result, failure) -> {
                running--;
                if (failure == null) {
                  done++;
                } else if (!isCancellation(failure)) {
                  fail(cell.id(), rootMessage(failure));
                }
                return null;
              }));
    }
    // The window drains before this run ends: a continued run must not lose a cell in flight.
    Promise.allOf(inFlight).get();
    int runs = before.runs() + 1;
    if (cancelled || CancellationScope.current().isCancelRequested()) {
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
    if (next < cells.size()) {
      phase = SweepPhase.CONTINUING;
      ModelSweepRequest.Counters counters =
          new ModelSweepRequest.Counters(
              done, failedCount, failureSample, embedded, fromCache, runs);
      Workflow.continueAsNew(
          new ModelSweepRequest(
              request.sweepId(),
              request.spec(),
              request.model(),
              dataset,
              request.onlyCells(),
              next,
              counters,
              sets,
              planDigest));
    }
    phase = SweepPhase.DONE;
    return result(request, embedded, fromCache, runs);
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

  private ModelSweepResult result(
      ModelSweepRequest request, int embedded, int fromCache, int runs) {
    return new ModelSweepResult(
        request.model(), done, failedCount, failureSample, embedded, fromCache, runs);
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

  private static boolean isCancellation(Throwable t) {
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
  public SweepProgress progress() {
    return new SweepProgress(phase, planned, done, failedCount, running, images);
  }
}
