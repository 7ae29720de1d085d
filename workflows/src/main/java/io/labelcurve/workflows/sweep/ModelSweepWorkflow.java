package io.labelcurve.workflows.sweep;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The cells of one model in one sweep: the unit of shared work. It embeds each split once (through
 * the shared cache) and then runs the model's cells with a bounded window in flight. Its id is
 * {@code {sweep id}/{model}} ({@link #workflowId}; {@code {sweep id}.{model}} in sweeps started
 * before that), so a re-started sweep never runs a model twice.
 */
@WorkflowInterface
public interface ModelSweepWorkflow {

  /** Runs every cell of the request; failed cells are reported in the result, not thrown. */
  @WorkflowMethod
  ModelSweepResult run(ModelSweepRequest request);

  /**
   * A cell workflow ({@link CellWorkflow}) this model started has ended. Counted once: a cell is
   * counted when it leaves the set of cells in flight, so a second report of it (its signal and its
   * child completion, or a signal repeated) is ignored.
   */
  @SignalMethod
  void cellDone(CellOutcome outcome);

  /** Cells done, failed, running and left of this model. */
  @QueryMethod
  SweepProgress progress();

  /**
   * The workflow id of a sweep's model: deterministic, so never duplicated, and unambiguous: a
   * sweep id cannot hold a {@code /} ({@code SweepPlanner#checkShape}, checked before any model
   * starts), so the first {@code /} splits the id back into sweep and model whatever the model id
   * holds. Clients find a model's workflow by it; sweeps started before the change {@code
   * SweepWorkflowImpl.CHILD_ID_CHANGE} keep their dotted ids (their replay must start the same
   * children).
   */
  static String workflowId(String sweepId, String model) {
    return sweepId + "/" + model;
  }
}
