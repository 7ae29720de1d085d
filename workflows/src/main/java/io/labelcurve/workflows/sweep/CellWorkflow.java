package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.CellResult;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One cell of a model's sweep, run as a child of its {@link ModelSweepWorkflow} so that it outlives
 * the run that started it: the model workflow starts it with {@code ParentClosePolicy.ABANDON} and
 * continues as new while it runs. It calls the cell's activity (probe or finetune, with the options
 * of {@link ActivityOptionsCatalog}) and then, whatever the outcome, signals {@link
 * ModelSweepWorkflow#cellDone} to its parent's workflow id (no run id: the signal reaches whichever
 * run of the model is current; sent again for a while if no run is open, see {@link
 * CellWorkflowImpl#REPORT_PATIENCE}). The cell's activity is idempotent (it reads back a record
 * already in the bucket), so a cell workflow started again under the same id does no work twice.
 */
@WorkflowInterface
public interface CellWorkflow {

  /** Runs the cell; a failed cell fails this workflow, after its parent has been told. */
  @WorkflowMethod
  CellResult run(CellWorkflowRequest request);

  /**
   * Does nothing: a model run that carried this cell from an earlier run (and so has no promise of
   * its result) signals it now and then to learn whether it is still open. The signal fails only
   * when no workflow of this id runs any more, which tells the model that this cell closed without
   * its {@link ModelSweepWorkflow#cellDone} (terminated, timed out or reset).
   */
  @SignalMethod
  void ping();

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
