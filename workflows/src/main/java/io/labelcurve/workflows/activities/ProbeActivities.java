package io.labelcurve.workflows.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Linear-probe cells: sampling, the linear SVM and evaluation. Runs on {@link #TASK_QUEUE}. */
@ActivityInterface
public interface ProbeActivities {
  /** The CPU queue, where the sweep workflows run too ({@code SweepWorkflow.TASK_QUEUE}). */
  String TASK_QUEUE = "labelcurve-cpu";

  /**
   * Draws the cell's training subset (nested and seeded), trains the linear SVM on its embeddings,
   * evaluates on every test split at image and sequence level, and writes {@code
   * sweeps/{sweep}/cells/{cell}.json} with the sampled ids and confusion matrices.
   *
   * <p>Idempotent: when the cell's result already exists it is read back, not recomputed.
   */
  @ActivityMethod
  CellResult runProbeCell(ProbeCellRequest request);
}
