package io.labelcurve.workflows.sweep;

/**
 * @param phase {@code validating}, {@code embedding}, {@code cells}, {@code continuing},
 *     {@code writing results}, {@code done} or {@code cancelled}
 * @param cells planned cells (of this run: a rerun plans only its failed and missing cells)
 * @param done finished cells
 * @param failed failed cells
 * @param running cells in flight
 * @param images images whose embeddings are ready (computed or found in the cache)
 */
public record SweepProgress(String phase, int cells, int done, int failed, int running, long images) {
  public SweepProgress(String phase, int cells, int done, int failed, int running) {
    this(phase, cells, done, failed, running, 0);
  }

  public int left() {
    return cells - done - failed - running;
  }

  public static SweepProgress starting() {
    return new SweepProgress("validating", 0, 0, 0, 0, 0);
  }

  SweepProgress plus(SweepProgress other) {
    return new SweepProgress(phase, cells + other.cells, done + other.done, failed + other.failed,
        running + other.running, images + other.images);
  }
}
