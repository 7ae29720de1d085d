package io.labelcurve.activities.finetune;

/**
 * Thrown by a {@link TrainingListener}'s {@code onStep} or {@code onCheckpoint} to stop a run
 * resumably (e.g. when the worker drains): {@link FinetuneTrainer#train} then writes a checkpoint
 * of the step just taken, unless the step's checkpoint is already complete, and throws {@link
 * TrainingStopped} naming it. Any other exception from a listener stops the run without a
 * checkpoint.
 */
public final class StopTraining extends RuntimeException {
  public StopTraining(Throwable cause) {
    super("training stopped on request", cause);
  }
}
