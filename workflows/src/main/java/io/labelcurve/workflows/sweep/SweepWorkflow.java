package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.ProbeActivities;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One sweep: validates the dataset, plans the grid, runs a {@link ModelSweepWorkflow} child per
 * model and writes {@code sweeps/{id}/results.csv}. The workflow id is the sweep id, so starting
 * the same sweep twice is refused by Temporal itself.
 */
@WorkflowInterface
public interface SweepWorkflow {
  /**
   * The failure type of input the user has to fix (a spec, a manifest, a model, an image): never
   * retried. The workflows raise it for a spec that cannot run; activities raise it where they find
   * bad input ({@code BadInputException}); the retry policies refuse to retry it.
   */
  String BAD_INPUT = "BadInput";

  /** The task queue sweep and model workflows run on. */
  String TASK_QUEUE = ProbeActivities.TASK_QUEUE;

  /**
   * Runs the sweep to the end. Cells that fail are counted, not fatal: the sweep still writes the
   * results of every finished cell. A spec or dataset the user has to fix fails the workflow with
   * an {@code ApplicationFailure} of type {@link #BAD_INPUT} before any embedding starts.
   *
   * <p>A model workflow that fails (a bug, a bookkeeping activity out of retries) fails only its
   * model: the sweep waits for every other model to finish, writes results.csv and the report of
   * all that finished, and only then fails with an {@code ApplicationFailure} of type {@link
   * SweepWorkflowImpl#MODEL_FAILED} that names each failed model and why, and whose details are the
   * {@link SweepResult} (with {@link SweepResult#failedModels()}).
   *
   * <p>A rerun is a new run under the same id whose request names the cells to execute ({@link
   * SweepRequest#onlyCells()}); cancelling stops new cells, writes the results of the finished ones
   * and ends the workflow as cancelled.
   */
  @WorkflowMethod
  SweepResult run(SweepRequest request);

  /**
   * Where the sweep is: its phase, the cells done and failed of the models that finished, and each
   * failed model with its reason ({@link SweepProgress#failedModels()}) as soon as it fails.
   * Answers after the sweep closed too, failed or not.
   */
  @QueryMethod
  SweepProgress progress();
}
