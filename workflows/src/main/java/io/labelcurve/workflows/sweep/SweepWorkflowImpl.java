package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.DatasetActivities;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.SpecProblem;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** See {@link SweepWorkflow}. */
public class SweepWorkflowImpl implements SweepWorkflow {
  private final DatasetActivities dataset =
      Workflow.newActivityStub(DatasetActivities.class, ActivityOptionsCatalog.dataset());
  private final ResultActivities results =
      Workflow.newActivityStub(ResultActivities.class, ActivityOptionsCatalog.results());

  private SweepProgress progress = SweepProgress.starting();

  @Override
  public SweepResult run(SweepSpec spec) {
    List<SpecProblem> shape = SweepPlanner.checkShape(spec);
    if (!shape.isEmpty()) {
      throw badSpec(shape);
    }
    DatasetSummary summary = dataset.prepare(spec);
    List<SpecProblem> against = SweepPlanner.checkAgainst(spec, summary);
    if (!against.isEmpty()) {
      throw badSpec(against);
    }
    List<Cell> cells = SweepPlanner.plan(spec, summary);
    progress = new SweepProgress("cells", cells.size(), 0, 0, 0);
    results.writeSpec(spec, summary);

    Map<String, List<Cell>> byModel = cells.stream()
        .collect(Collectors.groupingBy(Cell::model, LinkedHashMap::new, Collectors.toList()));
    List<Promise<ModelSweepResult>> children = new ArrayList<>();
    for (Map.Entry<String, List<Cell>> e : byModel.entrySet()) {
      ModelSweepWorkflow child = Workflow.newChildWorkflowStub(ModelSweepWorkflow.class,
          ChildWorkflowOptions.newBuilder()
              .setWorkflowId(childId(spec.id(), e.getKey()))
              .setTaskQueue(SweepWorkflow.TASK_QUEUE)
              .build());
      children.add(Async.function(child::run, new ModelSweepRequest(spec.id(), e.getKey(),
          spec.preset(), summary, spec.testSplits(), e.getValue(), spec.maxCellsInFlight())));
    }

    List<ModelSweepResult> models = new ArrayList<>();
    int done = 0;
    int failed = 0;
    int embedded = 0;
    int fromCache = 0;
    for (Promise<ModelSweepResult> p : children) {
      ModelSweepResult r = p.get();
      models.add(r);
      done += r.cellsDone();
      failed += r.failedCells().size();
      embedded += r.imagesEmbedded();
      fromCache += r.imagesFromCache();
      progress = new SweepProgress("cells", cells.size(), done, failed, 0);
    }
    progress = new SweepProgress("writing results", cells.size(), done, failed, 0);
    String csv = results.writeResults(spec.id());
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
