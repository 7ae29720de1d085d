package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.SignalExternalWorkflowException;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Optional;

/** See {@link CellWorkflow}. */
public final class CellWorkflowImpl implements CellWorkflow {
  /**
   * The version marker of sending a report again that found no run of the model open ({@link
   * #report}); cells before it closed at once (and failed, when the SDK threw the signal's failure
   * as an {@code ApplicationFailure}, which the model then counted as a failed cell).
   */
  static final String REPORT_RETRIED = "report-retried";

  /**
   * How long a cell keeps sending a report that finds no run of its model open: long enough for an
   * operator who terminated a stuck model to run it again ({@code sweep rerun}), short enough that
   * a cell of a sweep that is gone for good closes the same hour. Some 15 signals and timers, 90
   * events.
   */
  static final Duration REPORT_PATIENCE = Duration.ofMinutes(10);

  /** The longest pause between two reports: a restarted model hears within a minute. */
  private static final Duration MAX_REPORT_PAUSE = Duration.ofMinutes(1);

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
   * it. Since {@link #REPORT_RETRIED}, a signal that finds no run of that id open is sent again, at
   * growing intervals, for up to {@link #REPORT_PATIENCE}: a model between two runs (seen on the
   * test server, whose continue-as-new closes one run before it registers the next) or terminated
   * and started again by an operator takes it then, and a cell that closed without telling its
   * model would be counted failed by the model's probe. A parent that stays closed (failed, or
   * cancelled and done waiting) has nobody to tell: the cell's record is in the bucket either way,
   * where a rerun finds it.
   */
  private static void report(CellOutcome outcome) {
    Optional<String> parent = Workflow.getInfo().getParentWorkflowId();
    if (parent.isEmpty()) {
      return;
    }
    ModelSweepWorkflow model =
        Workflow.newExternalWorkflowStub(ModelSweepWorkflow.class, parent.get());
    Duration waited = Duration.ZERO;
    for (Duration next = Duration.ofSeconds(1); ; next = next.multipliedBy(2)) {
      try {
        model.cellDone(outcome);
        return;
      } catch (SignalExternalWorkflowException | ApplicationFailure e) {
        // Before the version, any failure but the first type failed this workflow, as it did.
        boolean retried =
            Workflow.getVersion(REPORT_RETRIED, Workflow.DEFAULT_VERSION, 1)
                != Workflow.DEFAULT_VERSION;
        if (!retried && e instanceof ApplicationFailure) {
          throw e;
        }
        if (!retried
            || !ModelSweepWorkflowImpl.isNotFound(e)
            || waited.compareTo(REPORT_PATIENCE) >= 0) {
          Workflow.getLogger(CellWorkflowImpl.class)
              .warn(
                  "cell {}: its model workflow {} is gone ({} waited): {}",
                  outcome.cellId(),
                  parent.get(),
                  waited,
                  e.getMessage());
          return;
        }
        Duration pause = next.compareTo(MAX_REPORT_PAUSE) > 0 ? MAX_REPORT_PAUSE : next;
        Workflow.sleep(pause);
        waited = waited.plus(pause);
      }
    }
  }
}
