package io.labelcurve.activities.finetune;

/**
 * Hears a finetuning run's progress on the training thread. A listener that throws stops the run
 * (the newest checkpoint stays; that is how tests simulate a killed worker); one that throws {@link
 * StopTraining} from {@code onStep} or {@code onCheckpoint} has the step checkpointed first.
 */
public interface TrainingListener {
  TrainingListener NONE = new TrainingListener() {};

  /** Before the first step of this attempt; {@code firstStep} is 1, or a checkpoint's step + 1. */
  default void onStart(long firstStep, long totalSteps, String resumedFrom) {}

  /** After the update of step {@code step} (1-based). */
  default void onStep(long step, long totalSteps, int epoch, double loss, double learningRate) {}

  /** After a checkpoint is complete in the bucket. */
  default void onCheckpoint(long step, String uri) {}

  /**
   * The position a heartbeat sent now would carry (the newest checkpoint's URI, or what this
   * attempt resumed from); empty when there is none. Read from another thread.
   */
  default String position() {
    return "";
  }
}
