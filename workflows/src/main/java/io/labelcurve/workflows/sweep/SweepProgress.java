package io.labelcurve.workflows.sweep;

/**
 * @param phase {@code validating}, {@code embedding}, {@code cells}, {@code writing results} or {@code done}
 * @param cells planned cells
 * @param done finished cells
 * @param failed failed cells
 * @param running cells in flight
 */
public record SweepProgress(String phase, int cells, int done, int failed, int running) {
  public int left() {
    return cells - done - failed - running;
  }

  public static SweepProgress starting() {
    return new SweepProgress("validating", 0, 0, 0, 0);
  }

  SweepProgress plus(SweepProgress other) {
    return new SweepProgress(phase, cells + other.cells, done + other.done, failed + other.failed,
        running + other.running);
  }
}
