package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.DatasetActivities;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.SpecProblem;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
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
import java.util.stream.Collectors;

/**
 * See {@link SweepWorkflow}. Its own history is a few events per model (one child each), so it
 * needs no continue-as-new; the children continue as new on their own.
 */
public class SweepWorkflowImpl implements SweepWorkflow {
  private final DatasetActivities dataset =
      Workflow.newActivityStub(DatasetActivities.class, ActivityOptionsCatalog.dataset());
  private final ResultActivities results =
      Workflow.newActivityStub(ResultActivities.class, ActivityOptionsCatalog.results());

  private SweepProgress progress = SweepProgress.starting();

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
    List<Cell> cells = SweepPlanner.plan(spec, summary).stream()
        .filter(c -> request.runs(c.id())).toList();
    progress = new SweepProgress("cells", cells.size(), 0, 0, 0);
    results.writeSpec(spec, summary);

    // One child per model with cells in this run; a rerun skips the models that are complete.
    Map<String, Long> byModel = cells.stream()
        .collect(Collectors.groupingBy(Cell::model, LinkedHashMap::new, Collectors.counting()));
    List<Promise<ModelSweepResult>> children = new ArrayList<>();
    for (String model : byModel.keySet()) {
      ChildWorkflowOptions.Builder options = ChildWorkflowOptions.newBuilder()
          .setWorkflowId(childId(spec.id(), model))
          .setTaskQueue(SweepWorkflow.TASK_QUEUE);
      if (request.searchAttributes()) {
        options.setTypedSearchAttributes(SweepSearchAttributes.ofModel(spec, model));
      }
      ModelSweepWorkflow child =
          Workflow.newChildWorkflowStub(ModelSweepWorkflow.class, options.build());
      children.add(Async.function(child::run,
          ModelSweepRequest.first(spec.id(), spec, model, summary, request.onlyCells())));
    }

    List<ModelSweepResult> models = new ArrayList<>();
    int done = 0;
    int failed = 0;
    int embedded = 0;
    int fromCache = 0;
    boolean cancelled = false;
    for (Promise<ModelSweepResult> p : children) {
      try {
        ModelSweepResult r = p.get();
        models.add(r);
        done += r.cellsDone();
        failed += r.cellsFailed();
        embedded += r.imagesEmbedded();
        fromCache += r.imagesFromCache();
        progress = new SweepProgress("cells", cells.size(), done, failed, 0);
      } catch (ChildWorkflowFailure e) {
        if (!(e.getCause() instanceof CanceledFailure)) {
          throw e;
        }
        cancelled = true;
      }
    }
    if (cancelled || CancellationScope.current().isCancelRequested()) {
      // The results of the cells that finished are written even though the sweep was cancelled;
      // a detached scope, because the workflow's own scope is cancelled.
      progress = new SweepProgress("writing results", cells.size(), done, failed, 0);
      Workflow.newDetachedCancellationScope(() -> results.writeResults(spec.id())).run();
      progress = new SweepProgress("cancelled", cells.size(), done, failed, 0);
      throw new CanceledFailure("sweep " + spec.id() + " cancelled");
    }
    progress = new SweepProgress("writing results", cells.size(), done, failed, 0);
    String csv = results.writeResults(spec.id());
    progress = new SweepProgress("writing report", cells.size(), done, failed, 0);
    try {
      results.writeReport(spec.id());
    } catch (ActivityFailure e) {
      // The results are written; a report that cannot be drawn must not fail the sweep.
      // 'labelcurve report ID' draws it again from the bucket.
      Workflow.getLogger(SweepWorkflowImpl.class).warn("report of sweep {} not written: {}",
          spec.id(), e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
    }
    progress = new SweepProgress("done", cells.size(), done, failed, 0);
    return new SweepResult(spec.id(), cells.size(), done, failed, csv, embedded, fromCache, models);
  }

  @Override
  public SweepProgress progress() {
    return progress;
  }

  /** The id of a sweep's child workflow for one model: deterministic, so never duplicated. */
  public static String childId(String sweepId, String model) {
    return sweepId + "." + model;
  }

  private static ApplicationFailure badSpec(List<SpecProblem> problems) {
    String message = "the sweep spec cannot run:\n  " + problems.stream()
        .map(SpecProblem::toString).collect(Collectors.joining("\n  "));
    return ApplicationFailure.newNonRetryableFailure(message, ActivityOptionsCatalog.BAD_INPUT);
  }
}
