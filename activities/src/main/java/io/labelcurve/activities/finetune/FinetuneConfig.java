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
 * @param device the device slot's device the run trains on (null: the engine's default, a GPU when
 *     there is one; workers always give the slot their DevicePool leased)
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
