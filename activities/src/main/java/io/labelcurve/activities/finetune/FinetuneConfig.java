package io.labelcurve.activities.finetune;

import ai.djl.Device;
import io.labelcurve.activities.model.ModelSpec;
import java.nio.file.Path;

/**
 * How one finetuning run trains (see {@link FinetuneTrainer}).
 *
 * @param spec the encoder as the preset runs it (input size already applied)
 * @param modelFolder the folder of its model.json (null for a built-in)
 * @param numClasses classes of the linear head
 * @param learningRate the peak learning rate (the model's {@code finetune_lr})
 * @param batchSize images per step (the last batch of an epoch may be shorter)
 * @param epochs passes over the training images
 * @param seed seeds the head's init, each epoch's data order and PyTorch's generator per step
 * @param checkpointEvery steps between checkpoints (one is also written at the end of every epoch
 *     of at least this many steps)
 * @param loaderThreads threads loading and preprocessing the next batches while a step runs
 * @param device null for the engine's default (a GPU when there is one)
 */
public record FinetuneConfig(
    ModelSpec spec, Path modelFolder, int numClasses, double learningRate, int batchSize,
    int epochs, long seed, int checkpointEvery, int loaderThreads, Device device) {

  /** System property that sets the checkpoint interval (steps) of finetune activities. */
  public static final String CHECKPOINT_EVERY_PROPERTY = "labelcurve.finetune.checkpointEvery";
  /** Environment variable that does the same (the property wins). */
  public static final String CHECKPOINT_EVERY_ENV = "LABELCURVE_FINETUNE_CHECKPOINT_EVERY";
  /** Default checkpoint interval: about a minute of GPU steps. */
  public static final int DEFAULT_CHECKPOINT_EVERY = 200;

  public FinetuneConfig {
    if (numClasses < 2) {
      throw new IllegalArgumentException("a head needs at least 2 classes, got " + numClasses);
    }
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
    }
    if (batchSize < 1 || epochs < 1 || checkpointEvery < 1 || loaderThreads < 1) {
      throw new IllegalArgumentException("batchSize, epochs, checkpointEvery and loaderThreads"
          + " must be >= 1: " + batchSize + ", " + epochs + ", " + checkpointEvery + ", "
          + loaderThreads);
    }
  }

  /**
   * The checkpoint interval from {@value #CHECKPOINT_EVERY_PROPERTY} or
   * {@value #CHECKPOINT_EVERY_ENV}, else {@code fallback}.
   */
  public static int checkpointEveryFromEnvironment(int fallback) {
    String v = System.getProperty(CHECKPOINT_EVERY_PROPERTY, System.getenv(CHECKPOINT_EVERY_ENV));
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      int k = Integer.parseInt(v.trim());
      if (k >= 1) {
        return k;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException(CHECKPOINT_EVERY_PROPERTY + " / " + CHECKPOINT_EVERY_ENV
        + " is '" + v + "'; expected a positive number of steps");
  }

  /** The same run with another checkpoint interval. */
  public FinetuneConfig withCheckpointEvery(int k) {
    return new FinetuneConfig(spec, modelFolder, numClasses, learningRate, batchSize, epochs, seed,
        k, loaderThreads, device);
  }
}
