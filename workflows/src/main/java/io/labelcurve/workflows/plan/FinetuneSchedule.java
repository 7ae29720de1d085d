package io.labelcurve.workflows.plan;

/**
 * How long a finetune cell trains: the paper's rule (§4.4 and the appendix, Tables 5 and 6) that
 * every model sees at least 2^14 = 16384 samples, one epoch at the least.
 *
 * <p>Table 5 (image sampling) follows exactly: 256 images → 64 epochs … 16384 → 1. Table 6
 * (sequence sampling: 1, 2, 4, 8 … sequences per class → 5, 3, 2, 1 … epochs) does not follow from
 * it with the paper's own data: Table 2's classes hold 269–628 images per sequence (its images over
 * its sequences), so one sequence of each of the 10 classes is 4,299 images on average and the rule
 * gives 4, 2, 1 epochs at 1, 2, 4 sequences per class. The workers apply the rule to a cell's
 * actual number of training images unless the spec gives the epochs of that sampling and size
 * ({@code finetune_epochs}); the paper's preset gives Table 6 there.
 */
public final class FinetuneSchedule {
  /** The paper's minimum number of samples seen. */
  public static final int PAPER_SAMPLES = 16384;

  private FinetuneSchedule() {}

  /** {@code max(1, ceil(16384 / trainImages))}. */
  public static int epochs(int trainImages) {
    return epochs(trainImages, PAPER_SAMPLES);
  }

  /** {@code max(1, ceil(minSamples / trainImages))}: a preset may see fewer samples. */
  public static int epochs(int trainImages, int minSamples) {
    if (trainImages < 1) {
      throw new IllegalArgumentException(
          "a finetune cell needs at least one image, got " + trainImages);
    }
    if (minSamples < 1) {
      throw new IllegalArgumentException("minSamples must be >= 1, got " + minSamples);
    }
    return Math.max(1, (int) ((minSamples + (long) trainImages - 1) / trainImages));
  }

  /** Optimizer steps of a cell: {@code epochs × ceil(n / batch)} (the last batch may be short). */
  public static long steps(int trainImages, int epochs, int batchSize) {
    return (long) epochs * ((trainImages + batchSize - 1) / batchSize);
  }
}
