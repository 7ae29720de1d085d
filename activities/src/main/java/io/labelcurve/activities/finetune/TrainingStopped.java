package io.labelcurve.activities.finetune;

/**
 * A run stopped by {@link StopTraining}: after step {@code step} of {@code totalSteps}, with the
 * checkpoint of that step (null when the run had no checkpoints) to resume from.
 */
public final class TrainingStopped extends RuntimeException {
  private final long step;
  private final long totalSteps;
  private final String checkpoint;

  public TrainingStopped(long step, long totalSteps, String checkpoint, StopTraining cause) {
    super(
        "training stopped after step "
            + step
            + " of "
            + totalSteps
            + (checkpoint == null ? " without a checkpoint" : "; checkpoint " + checkpoint),
        cause);
    this.step = step;
    this.totalSteps = totalSteps;
    this.checkpoint = checkpoint;
  }

  public long step() {
    return step;
  }

  public long totalSteps() {
    return totalSteps;
  }

  /** The URI of the checkpoint of {@link #step()}, or null. */
  public String checkpoint() {
    return checkpoint;
  }
}
