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
 * @param maxGradNorm gradients are clipped to this total L2 norm before each update, as the HF
 *     Trainer's {@code max_grad_norm} (default {@value #DEFAULT_MAX_GRAD_NORM}); 0 clips nothing
 */
public record FinetuneConfig(
    ModelSpec spec,
    Path modelFolder,
    int numClasses,
    double learningRate,
    int batchSize,
    int epochs,
    long seed,
    int checkpointEvery,
    int loaderThreads,
    Device device,
    double maxGradNorm) {

  /** The HF Trainer's {@code max_grad_norm}. */
  public static final double DEFAULT_MAX_GRAD_NORM = 1.0;

  /** System property that sets the gradient-clipping norm of finetune activities (0: none). */
  public static final String MAX_GRAD_NORM_PROPERTY = "labelcurve.finetune.maxGradNorm";

  /** Environment variable that does the same (the property wins). */
  public static final String MAX_GRAD_NORM_ENV = "LABELCURVE_FINETUNE_MAX_GRAD_NORM";

  /** A run that clips gradients at {@value #DEFAULT_MAX_GRAD_NORM}, as the HF Trainer does. */
  public FinetuneConfig(
      ModelSpec spec,
      Path modelFolder,
      int numClasses,
      double learningRate,
      int batchSize,
      int epochs,
      long seed,
      int checkpointEvery,
      int loaderThreads,
      Device device) {
    this(
        spec,
        modelFolder,
        numClasses,
        learningRate,
        batchSize,
        epochs,
        seed,
        checkpointEvery,
        loaderThreads,
        device,
        DEFAULT_MAX_GRAD_NORM);
  }

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
      throw new IllegalArgumentException(
          "batchSize, epochs, checkpointEvery and loaderThreads"
              + " must be >= 1: "
              + batchSize
              + ", "
              + epochs
              + ", "
              + checkpointEvery
              + ", "
              + loaderThreads);
    }
    if (!(maxGradNorm >= 0)) {
      throw new IllegalArgumentException(
          "maxGradNorm must be >= 0 (0: no clipping), got " + maxGradNorm);
    }
  }

  /**
   * The clipping norm from {@value #MAX_GRAD_NORM_PROPERTY} or {@value #MAX_GRAD_NORM_ENV}, else
   * {@value #DEFAULT_MAX_GRAD_NORM}; a bad value is refused at once (a worker that would train
   * other than it says must not start).
   */
  public static double maxGradNormFromEnvironment() {
    String v = System.getProperty(MAX_GRAD_NORM_PROPERTY, System.getenv(MAX_GRAD_NORM_ENV));
    if (v == null || v.isBlank()) {
      return DEFAULT_MAX_GRAD_NORM;
    }
    try {
      double d = Double.parseDouble(v.trim());
      if (d >= 0 && Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException(
        MAX_GRAD_NORM_PROPERTY
            + " / "
            + MAX_GRAD_NORM_ENV
            + " is '"
            + v
            + "'; expected a norm >= 0 (0: no clipping; the HF Trainer's is 1.0)");
  }

  /**
   * The checkpoint interval from {@value #CHECKPOINT_EVERY_PROPERTY} or {@value
   * #CHECKPOINT_EVERY_ENV}, else {@code fallback}.
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
    throw new IllegalArgumentException(
        CHECKPOINT_EVERY_PROPERTY
            + " / "
            + CHECKPOINT_EVERY_ENV
            + " is '"
            + v
            + "'; expected a positive number of steps");
  }

  /** The same run with another checkpoint interval. */
  public FinetuneConfig withCheckpointEvery(int k) {
    return new FinetuneConfig(
        spec,
        modelFolder,
        numClasses,
        learningRate,
        batchSize,
        epochs,
        seed,
        k,
        loaderThreads,
        device,
        maxGradNorm);
  }
}
