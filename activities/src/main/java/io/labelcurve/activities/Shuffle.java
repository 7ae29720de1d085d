package io.labelcurve.activities;

import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The one shuffle of sampled lists and index permutations (images, sequences per class, sites held
 * out, training order). Seeded results depend on its exact draws, so it is written out rather than
 * left to {@link Collections#shuffle}, whose algorithm is the JDK's to change.
 */
public final class Shuffle {
  private Shuffle() {}

  /**
   * Fisher–Yates from the last position down: position {@code i} swaps with {@code random.nextInt(i
   * + 1)}. Every seeded sample and split made so far used exactly these draws; changing the order
   * changes them all.
   */
  public static <T> void inPlace(List<T> list, SplittableRandom random) {
    for (int i = list.size() - 1; i > 0; i--) {
      Collections.swap(list, i, random.nextInt(i + 1));
    }
  }

  /** {@code 0 .. n-1} shuffled by {@link #inPlace}'s draws. */
  public static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
