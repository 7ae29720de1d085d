package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.CellResult;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One cell of a model's sweep, run as a child of its {@link ModelSweepWorkflow} so that it outlives
 * the run that started it: the model workflow starts it with {@code ParentClosePolicy.ABANDON} and
 * continues as new while it runs. It calls the cell's activity (probe or finetune, with the options
 * of {@link ActivityOptionsCatalog}) and then, whatever the outcome, signals {@link
 * ModelSweepWorkflow#cellDone} to its parent's workflow id (no run id: the signal reaches whichever
 * run of the model is current). The cell's activity is idempotent (it reads back a record already
 * in the bucket), so a cell workflow started again under the same id does no work twice.
 */
@WorkflowInterface
public interface CellWorkflow {

  /** Runs the cell; a failed cell fails this workflow, after its parent has been told. */
  @WorkflowMethod
  CellResult run(CellWorkflowRequest request);

  /**
   * The workflow id of a model's cell: {@code {model workflow id}/{cell id}} (the model's id as
   * {@link ModelSweepWorkflow#workflowId} makes it), deterministic, so a model never runs a cell in
   * two workflows at once (a second start under the id of a running one fails, and the model waits
   * for the running one's signal instead).
   */
  static String workflowId(String modelWorkflowId, String cellId) {
    return modelWorkflowId + "/" + cellId;
  }
}
