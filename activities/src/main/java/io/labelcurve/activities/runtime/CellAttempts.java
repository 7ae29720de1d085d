package io.labelcurve.activities.runtime;

import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.plan.Cell;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

/** One attempt at a cell, as probe and finetune activities run it. */
public final class CellAttempts {
  private CellAttempts() {}

  /**
   * Runs {@code body} under {@link Failures#call} and counts the attempt: a computed cell is
   * completed (with its wall time), a cell read back from the bucket is not counted again, and any
   * failure but a drained worker's hand-over ({@link WorkerShutdowns}) is a failed attempt (and a
   * failed cell when it is the last attempt).
   */
  public static CellResult run(
      LabelcurveMetrics metrics, String sweepId, Cell cell, Callable<CellResult> body) {
    Instant start = Instant.now();
    try {
      CellResult r = Failures.call(body);
      if (!r.cached()) {
        metrics.cellCompleted(
            cell.model(), cell.adaptation(), Duration.between(start, Instant.now()));
      }
      return r;
    } catch (RuntimeException e) {
      if (!WorkerShutdowns.isWorkerShutdown(e)) {
        metrics.cellAttemptFailed(cell.model(), cell.adaptation(), e);
      }
      throw e;
    }
  }
}
