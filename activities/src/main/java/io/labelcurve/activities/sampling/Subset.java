package io.labelcurve.activities.sampling;

import java.util.List;

/**
 * A sampled training subset.
 *
 * @param indices indices into {@link TrainingPool#entries()}, ascending
 * @param ids the image ids of those entries, in the same order
 */
public record Subset(int[] indices, List<String> ids) {
  public Subset {
    ids = List.copyOf(ids);
  }

  public int size() {
    return indices.length;
  }
}
