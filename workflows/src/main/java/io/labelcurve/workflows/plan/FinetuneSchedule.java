package io.labelcurve.workflows.plan;

/**
 * How long a finetune cell trains: the paper's rule (§4.4 and the appendix, Tables 5 and 6) that
 * every model sees at least 2^14 = 16384 samples, one epoch at the least.
 *
 * <p>Table 5 (image sampling) follows exactly: 256 images → 64 epochs … 16384 → 1. Table 6
 * (sequence sampling: 1, 2, 4, 8 … sequences per class → 5, 3, 2, 1 … epochs) follows from the
 * same ceil rule only if a sequence holds about 330–409 images with its augmented variants (10
 * classes): with exactly 300 (the text's "about 300"), 1 sequence per class gives 3000 images
 * and ceil(16384 / 3000) = 6, not 5; floor or rounding instead of ceil contradict the 2- and
 * 4-sequence columns (floor(16384 / 6000) = 2, not 3; round(16384 / 12000) = 1, not 2). So the
 * rule is ceil, and the paper's sequences were somewhat longer than 300 images. labelcurve applies
 * the rule to the cell's actual number of training images.
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
      throw new IllegalArgumentException("a finetune cell needs at least one image, got "
          + trainImages);
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
