package io.labelcurve.activities.sampling;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.Shuffle;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The paper's image sampling: uniform over every pool image, augmented variants included. Subsets
 * are nested: {@code subset(n)} is the first n of one seeded permutation of the pool, so {@code
 * subset(n) ⊂ subset(2n)} and a learning curve moves by added data, not by a new draw.
 */
public final class ImageSampler {
  /** Keeps image and sequence sampling of one seed independent. */
  private static final long SALT = 0x1A6E_5A3B_1E00_0001L;

  private final TrainingPool pool;
  private final int[] permutation;

  private ImageSampler(TrainingPool pool, int[] permutation) {
    this.pool = pool;
    this.permutation = permutation;
  }

  public static ImageSampler nested(TrainingPool pool, long seed) {
    SplittableRandom random = new SplittableRandom(seed ^ SALT);
    return new ImageSampler(pool, Shuffle.permutation(pool.size(), random));
  }

  /** The whole permutation (a copy). */
  public int[] permutation() {
    return permutation.clone();
  }

  /**
   * The first n images of the permutation.
   *
   * @throws BadInputException when n exceeds the pool
   */
  public Subset subset(int n) {
    if (n < 0 || n > permutation.length) {
      throw new BadInputException(
          "image sampling asks for "
              + n
              + " images but the training pool has "
              + permutation.length
              + " (frames and their variants); use sizes up to "
              + permutation.length);
    }
    return pool.subset(Arrays.copyOf(permutation, n));
  }
}
