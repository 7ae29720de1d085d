package io.labelcurve.workflows.sweep;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a sweep, or one model's workflow, reports of itself (their {@code progress} queries).
 *
 * @param phase where it is
 * @param cells planned cells (of this run: a rerun plans only its failed and missing cells)
 * @param done finished cells
 * @param failed failed cells
 * @param running cells in flight
 * @param images images whose embeddings are ready (computed or found in the cache)
 * @param failedModels model id → why its model workflow failed (the sweep's own progress only;
 *     empty while every model workflow is running or succeeded). Small: one short line per model of
 *     the spec at most.
 */
public record SweepProgress(
    SweepPhase phase,
    int cells,
    int done,
    int failed,
    int running,
    long images,
    Map<String, String> failedModels) {
  public SweepProgress {
    // Sorted, so that it serialises the same way every time; null from a payload written before
    // the field existed.
    failedModels =
        failedModels == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new TreeMap<>(failedModels));
  }

  public SweepProgress(
      SweepPhase phase, int cells, int done, int failed, int running, long images) {
    this(phase, cells, done, failed, running, images, Map.of());
  }

  public SweepProgress(SweepPhase phase, int cells, int done, int failed, int running) {
    this(phase, cells, done, failed, running, 0);
  }

  public int left() {
    return cells - done - failed - running;
  }

  public static SweepProgress starting() {
    return new SweepProgress(SweepPhase.VALIDATING, 0, 0, 0, 0, 0);
  }

  SweepProgress plus(SweepProgress other) {
    Map<String, String> models = new TreeMap<>(failedModels);
    models.putAll(other.failedModels);
    return new SweepProgress(
        phase,
        cells + other.cells,
        done + other.done,
        failed + other.failed,
        running + other.running,
        images + other.images,
        models);
  }
}
