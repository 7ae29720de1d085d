package io.labelcurve.workflows.spec;

import java.util.List;

/**
 * One sampling scheme of a sweep and the subset sizes it draws.
 *
 * @param scheme {@link #IMAGE} (sizes count images of the pool, augmented variants included) or
 *     {@link #SEQUENCE} (sizes count sequences per class, balanced, all their frames and variants)
 * @param sizes ascending subset sizes; {@code 0} stands for "the whole pool" (image) or "every
 *     sequence of the smallest class" (sequence)
 * @param capPerClass sequence sampling only: when true a class with fewer sequences than a size
 *     contributes all it has instead of failing the plan
 */
public record SamplingSpec(String scheme, List<Integer> sizes, boolean capPerClass) {
  public static final String IMAGE = "image";
  public static final String SEQUENCE = "sequence";

  public SamplingSpec {
    sizes = List.copyOf(sizes);
  }
}
