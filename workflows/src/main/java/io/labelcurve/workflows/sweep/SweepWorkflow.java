package io.labelcurve.workflows.sweep;

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
  /** The task queue sweep and model workflows run on. */
  String TASK_QUEUE = "labelcurve-cpu";

  /**
   * Runs the sweep to the end. Cells that fail are counted, not fatal: the sweep still writes the
   * results of every finished cell. A spec or dataset the user has to fix fails the workflow with
   * an {@code ApplicationFailure} of type {@code BadInput} before any embedding starts.
   *
   * <p>A rerun is a new run under the same id whose request names the cells to execute
   * ({@link SweepRequest#onlyCells()}); cancelling stops new cells, writes the results of the
   * finished ones and ends the workflow as cancelled.
   */
  @WorkflowMethod
  SweepResult run(SweepRequest request);

  /** Where the sweep is: its phase and the cells done, failed, running and left. */
  @QueryMethod
  SweepProgress progress();
}
