package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.SignalExternalWorkflowException;
import io.temporal.workflow.Workflow;
import java.util.Optional;

/** See {@link CellWorkflow}. */
public final class CellWorkflowImpl implements CellWorkflow {
  private final ProbeActivities probe =
      Workflow.newActivityStub(ProbeActivities.class, ActivityOptionsCatalog.probeCell());
  private final FinetuneActivities finetune =
      Workflow.newActivityStub(FinetuneActivities.class, ActivityOptionsCatalog.finetuneCell());

  @Override
  public CellResult run(CellWorkflowRequest request) {
    String cellId = request.cellId();
    CellResult result;
    try {
      result =
          request.finetune() != null
              ? finetune.runFinetuneCell(request.finetune())
              : probe.runProbeCell(request.probe());
    } catch (ActivityFailure e) {
      boolean cancelled = ModelSweepWorkflowImpl.isCancellation(e);
      // Detached: a cancelled cell still tells its parent, which waits for every cell it started.
      Workflow.newDetachedCancellationScope(
              () ->
                  report(
                      new CellOutcome(
                          cellId,
                          cancelled ? null : ModelSweepWorkflowImpl.rootMessage(e),
                          cancelled)))
          .run();
      throw e;
    }
    report(new CellOutcome(cellId, null, false));
    return result;
  }

  @Override
  public void ping() {
    // A probe of whether this workflow is still open: being delivered is all it is for.
  }

  /**
   * Signals the outcome to the parent's workflow id, so that a run the parent continued into gets
   * it. A parent that has closed (failed, or cancelled and done waiting) has nobody to tell: the
   * cell's record is in the bucket either way, where a rerun finds it.
   */
  private static void report(CellOutcome outcome) {
    Optional<String> parent = Workflow.getInfo().getParentWorkflowId();
    if (parent.isEmpty()) {
      return;
    }
    try {
      Workflow.newExternalWorkflowStub(ModelSweepWorkflow.class, parent.get()).cellDone(outcome);
    } catch (SignalExternalWorkflowException e) {
      Workflow.getLogger(CellWorkflowImpl.class)
          .warn("cell {}: its model workflow {} is gone", outcome.cellId(), parent.get());
    }
  }
}
