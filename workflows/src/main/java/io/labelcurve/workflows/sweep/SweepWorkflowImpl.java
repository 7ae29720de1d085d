package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.DatasetActivities;
import io.labelcurve.workflows.activities.FrameShardRange;
import io.labelcurve.workflows.activities.FrameShardsBuilt;
import io.labelcurve.workflows.activities.FrameStoreActivities;
import io.labelcurve.workflows.activities.FrameStorePlan;
import io.labelcurve.workflows.activities.FrameStoreRequest;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.SpecProblem;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * See {@link SweepWorkflow}. Its own history is a few events per model (one child each), so it
 * needs no continue-as-new; the children continue as new on their own.
 */
public final class SweepWorkflowImpl implements SweepWorkflow {
  /**
   * The {@link Workflow#getVersion} change id of the child-id scheme: {@link
   * Workflow#DEFAULT_VERSION} joins sweep and model with a dot ({@link #legacyChildId}), {@link
   * #CHILD_ID_UNAMBIGUOUS} with a slash ({@link ModelSweepWorkflow#workflowId}).
   */
  static final String CHILD_ID_CHANGE = "child-id-separator";

  static final int CHILD_ID_UNAMBIGUOUS = 1;

  /**
   * The {@link Workflow#getVersion} change id of the frame store: sweeps started before it ({@link
   * Workflow#DEFAULT_VERSION}) go from preparation straight to their models; from {@link
   * #FRAME_STORE_BUILT} on, the dataset's frame store is built first ({@link #buildFrameStore}).
   */
  static final String FRAME_STORE_CHANGE = "frame-store";

  static final int FRAME_STORE_BUILT = 1;

  /**
   * Shards per frame-store activity: 8 shards of 256 frames, about 2,000 images, so a paper-sized
   * pool (0.57 M frames) becomes ~280 activities that all CPU slots of all workers share, each
   * short enough that a retry loses little.
   */
  static final int FRAME_SHARDS_PER_RANGE = 8;

  /** The failure type of a sweep that ended failed because a model workflow failed. */
  public static final String MODEL_FAILED = "ModelWorkflowFailed";

  /** A failed model's reason is one line: a query result and a failure message, not a log. */
  static final int REASON_CHARS = 300;

  private final DatasetActivities dataset =
      Workflow.newActivityStub(DatasetActivities.class, ActivityOptionsCatalog.dataset());
  private final ResultActivities results =
      Workflow.newActivityStub(ResultActivities.class, ActivityOptionsCatalog.results());
  private final FrameStoreActivities framePlan =
      Workflow.newActivityStub(FrameStoreActivities.class, ActivityOptionsCatalog.framePlan());
  private final FrameStoreActivities frameShards =
      Workflow.newActivityStub(FrameStoreActivities.class, ActivityOptionsCatalog.frameShards());

  private SweepProgress progress = SweepProgress.starting();
  // The tally of the children that closed so far, updated as each closes.
  private int planned;
  private int done;
  private int failed;
  private int embedded;
  private int fromCache;
  private boolean cancelled;
  private final List<ModelSweepResult> models = new ArrayList<>();
  private final Map<String, String> failedModels = new TreeMap<>();

  @Override
  public SweepResult run(SweepRequest request) {
    SweepSpec spec = request.spec();
    List<SpecProblem> shape = SweepPlanner.checkShape(spec);
    if (!shape.isEmpty()) {
      throw badSpec(shape);
    }
    DatasetSummary summary = dataset.prepare(spec);
    List<SpecProblem> against = SweepPlanner.checkAgainst(spec, summary);
    if (!against.isEmpty()) {
      throw badSpec(against);
    }
    List<Cell> cells =
        SweepPlanner.plan(spec, summary).stream().filter(c -> request.runs(c.id())).toList();
    planned = cells.size();
    if (Workflow.getVersion(FRAME_STORE_CHANGE, Workflow.DEFAULT_VERSION, FRAME_STORE_BUILT)
        == FRAME_STORE_BUILT) {
      progress = tally(SweepPhase.FRAMES);
      buildFrameStore(summary);
    }
    progress = tally(SweepPhase.CELLS);
    results.writeSpec(spec, summary);

    // One child per model with cells in this run; a rerun skips the models that are complete.
    Map<String, List<Cell>> byModel =
        cells.stream()
            .collect(Collectors.groupingBy(Cell::model, LinkedHashMap::new, Collectors.toList()));
    Promise.allOf(startChildren(request, summary, byModel)).get();

    if (cancelled || CancellationScope.current().isCancelRequested()) {
      // The results of the cells that finished are written even though the sweep was cancelled;
      // a detached scope, because the workflow's own scope is cancelled.
      progress = tally(SweepPhase.WRITING_RESULTS);
      Workflow.newDetachedCancellationScope(() -> results.writeResults(spec.id())).run();
      progress = tally(SweepPhase.CANCELLED);
      throw new CanceledFailure("sweep " + spec.id() + " cancelled");
    }
    progress = tally(SweepPhase.WRITING_RESULTS);
    String csv = results.writeResults(spec.id());
    progress = tally(SweepPhase.WRITING_REPORT);
    writeReport(spec.id());
    // Children close in any order; the result lists them in the spec's.
    models.sort(java.util.Comparator.comparingInt(m -> spec.allModels().indexOf(m.model())));
    SweepResult result =
        new SweepResult(
            spec.id(), planned, done, failed, csv, embedded, fromCache, models, failedModels);
    if (!failedModels.isEmpty()) {
      // Only now, with every other model finished and its cells in results.csv and the report.
      progress = tally(SweepPhase.FAILED);
      throw modelsFailed(result);
    }
    progress = tally(SweepPhase.DONE);
    return result;
  }

  /**
   * Decodes the dataset once into its frame store, fanned out in ranges of {@value
   * #FRAME_SHARDS_PER_RANGE} shards over the CPU queue, and waits for all of them: every model's
   * extraction, finetune cells and evaluations then read frames instead of decoding files. A range
   * that fails for good (an undecodable image, named) fails the sweep, as dataset preparation does.
   */
  private void buildFrameStore(DatasetSummary summary) {
    FrameStoreRequest dataset = new FrameStoreRequest(summary.manifestUri(), summary.digest());
    FrameStorePlan plan = framePlan.planFrames(dataset);
    List<Promise<FrameShardsBuilt>> ranges = new ArrayList<>();
    for (int from = 0; from < plan.shards(); from += FRAME_SHARDS_PER_RANGE) {
      FrameShardRange range =
          new FrameShardRange(
              dataset, from, Math.min(plan.shards(), from + FRAME_SHARDS_PER_RANGE));
      ranges.add(Async.function(frameShards::buildFrameShards, range));
    }
    Promise.allOf(ranges).get();
  }

  /**
   * Starts one child per model and returns, per child, a promise that completes (never fails) once
   * the child has closed and its outcome is tallied: a result, a cancellation or a failure with its
   * reason. Waiting for all of them waits for every model, whatever its siblings do.
   */
  private List<Promise<Void>> startChildren(
      SweepRequest request, DatasetSummary summary, Map<String, List<Cell>> cellsByModel) {
    SweepSpec spec = request.spec();
    boolean unambiguousIds =
        Workflow.getVersion(CHILD_ID_CHANGE, Workflow.DEFAULT_VERSION, CHILD_ID_UNAMBIGUOUS)
            == CHILD_ID_UNAMBIGUOUS;
    List<Promise<Void>> outcomes = new ArrayList<>();
    for (String model : cellsByModel.keySet()) {
      ChildWorkflowOptions.Builder options =
          ChildWorkflowOptions.newBuilder()
              .setWorkflowId(
                  unambiguousIds
                      ? ModelSweepWorkflow.workflowId(spec.id(), model)
                      : legacyChildId(spec.id(), model))
              .setTaskQueue(SweepWorkflow.TASK_QUEUE)
              // The sweep closes only after every child has closed, so this matters only when the
              // sweep is terminated (by an operator, or a reset): a cancel request lets each model
              // stop starting cells, finish those in flight and record its failures, where
              // TERMINATE
              // would cut cells off mid-write and ABANDON would leave models running for days that
              // no sweep waits for. A rerun started before they drained finds their ids taken and
              // reports those models as failed; it does not run a cell twice.
              .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL);
      if (request.searchAttributes()) {
        options.setTypedSearchAttributes(SweepSearchAttributes.ofModel(spec, model));
      }
      ModelSweepWorkflow child =
          Workflow.newChildWorkflowStub(ModelSweepWorkflow.class, options.build());
      // A rerun's cell list goes to each model cut to that model's cells: the child's input
      // (carried through every continue-as-new) grows with the model's cells, not the grid's.
      Set<String> onlyCells =
          request.onlyCells() == null
              ? null
              : cellsByModel.get(model).stream()
                  .map(Cell::id)
                  .collect(Collectors.toCollection(java.util.TreeSet::new));
      Promise<ModelSweepResult> run =
          Async.function(
              child::run, ModelSweepRequest.first(spec.id(), spec, model, summary, onlyCells));
      outcomes.add(
          run.handle(
              (result, failure) -> {
                record(spec.id(), model, result, failure);
                return null;
              }));
    }
    return outcomes;
  }

  /** Tallies one closed child; called on the workflow thread as each child closes. */
  private void record(
      String sweepId, String model, ModelSweepResult result, RuntimeException failure) {
    if (failure == null) {
      models.add(result);
      done += result.cellsDone();
      failed += result.cellsFailed();
      embedded += result.imagesEmbedded();
      fromCache += result.imagesFromCache();
    } else if (failure instanceof ChildWorkflowFailure
        && failure.getCause() instanceof CanceledFailure) {
      cancelled = true;
    } else {
      failedModels.put(model, reason(failure));
      Workflow.getLogger(SweepWorkflowImpl.class)
          .warn(
              "model workflow {} of sweep {} failed: {}", model, sweepId, failedModels.get(model));
    }
    progress = tally(progress.phase());
  }

  /** The report is the last step; one that cannot be drawn must not fail the sweep. */
  private void writeReport(String sweepId) {
    try {
      results.writeReport(sweepId);
    } catch (ActivityFailure e) {
      // The results are written; 'labelcurve report ID' draws the report again from the bucket.
      Workflow.getLogger(SweepWorkflowImpl.class)
          .warn(
              "report of sweep {} not written: {}",
              sweepId,
              e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
    }
  }

  private SweepProgress tally(SweepPhase phase) {
    return new SweepProgress(phase, planned, done, failed, 0, 0, failedModels);
  }

  /**
   * Why a model workflow failed, in one short line: the activity that gave up (when one did) and
   * the innermost message. Cut to {@link #REASON_CHARS}, as it travels in query results and in the
   * sweep's failure.
   */
  static String reason(Throwable failure) {
    String activity = null;
    for (Throwable c = failure; c != null && activity == null; c = c.getCause()) {
      if (c instanceof ActivityFailure af) {
        activity = af.getActivityType();
      }
    }
    String root = ModelSweepWorkflowImpl.rootMessage(failure);
    if (root == null || root.isBlank() || root.equals("null")) {
      Throwable last = failure;
      while (last.getCause() != null) {
        last = last.getCause();
      }
      root = last.getClass().getSimpleName();
    }
    String reason = activity == null ? root : activity + ": " + root;
    return reason.length() <= REASON_CHARS ? reason : reason.substring(0, REASON_CHARS - 1) + "…";
  }

  /** The sweep's own failure: names every failed model and why, and carries the result. */
  private static ApplicationFailure modelsFailed(SweepResult result) {
    String which =
        result.failedModels().entrySet().stream()
            .map(e -> e.getKey() + " (" + e.getValue() + ")")
            .collect(Collectors.joining("; "));
    String message =
        "sweep "
            + result.sweepId()
            + ": the model workflow of "
            + which
            + " failed;"
            + " the other models ran to the end and "
            + result.resultsUri()
            + " holds the "
            + result.cellsDone()
            + " cells that finished; once the cause is fixed, 'labelcurve sweep"
            + " rerun "
            + result.sweepId()
            + "' runs the cells left.";
    return ApplicationFailure.newNonRetryableFailure(message, MODEL_FAILED, result);
  }

  @Override
  public SweepProgress progress() {
    return progress;
  }

  /**
   * The ids of model workflows of sweeps started before {@link #CHILD_ID_CHANGE}: ambiguous, as
   * both ids may hold a dot ({@code a} + {@code b.c} and {@code a.b} + {@code c} are both {@code
   * a.b.c}).
   */
  public static String legacyChildId(String sweepId, String model) {
    return sweepId + "." + model;
  }

  private static ApplicationFailure badSpec(List<SpecProblem> problems) {
    String message =
        "the sweep spec cannot run:\n  "
            + problems.stream().map(SpecProblem::toString).collect(Collectors.joining("\n  "));
    return ApplicationFailure.newNonRetryableFailure(message, SweepWorkflow.BAD_INPUT);
  }
}
