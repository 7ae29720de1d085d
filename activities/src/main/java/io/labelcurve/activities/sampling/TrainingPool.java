package io.labelcurve.activities.sampling;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.image.Augmentation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every image a sweep may train on: each frame of the training split and, with variants, its four
 * augmented variants, in a canonical order (image path, then variant) that does not depend on the
 * manifest's row order. Samplers draw indices into this list, so a (sampling, seed, size) names the
 * same images whatever order the manifest was written in.
 */
public final class TrainingPool {
  private final List<String> classes;
  private final List<PoolEntry> entries;

  private TrainingPool(List<String> classes, List<PoolEntry> entries) {
    this.classes = classes;
    this.entries = entries;
  }

  /**
   * @param classes the sweep's classes; a training label's index here is its class index
   * @param withVariants whether the four augmented variants of every frame are in the pool
   * @throws BadInputException when the split has no rows or a label is not in {@code classes}
   */
  public static TrainingPool of(
      Manifest manifest, String trainSplit, List<String> classes, boolean withVariants) {
    List<ManifestRow> rows = new ArrayList<>(manifest.rowsOf(trainSplit));
    if (rows.isEmpty()) {
      throw new BadInputException(
          manifest.location()
              + ": training split '"
              + trainSplit
              + "' has no rows; the manifest's splits are "
              + manifest.splits());
    }
    rows.sort(Comparator.comparing(ManifestRow::image));
    List<PoolEntry> entries =
        new ArrayList<>(rows.size() * (withVariants ? 1 + Augmentation.VARIANTS : 1));
    for (ManifestRow r : rows) {
      int c = classes.indexOf(r.label());
      if (c < 0) {
        throw BadInputException.atRow(
            manifest.location(),
            r.rowNumber(),
            "class '" + r.label() + "' is not one of the sweep's classes " + classes);
      }
      entries.add(new PoolEntry(r.image(), c, r.sequence(), r.image(), 0));
      if (withVariants) {
        for (int v = 1; v <= Augmentation.VARIANTS; v++) {
          entries.add(
              new PoolEntry(Augmentation.variantId(r.image(), v), c, r.sequence(), r.image(), v));
        }
      }
    }
    return new TrainingPool(List.copyOf(classes), List.copyOf(entries));
  }

  public List<String> classes() {
    return classes;
  }

  public List<PoolEntry> entries() {
    return entries;
  }

  public int size() {
    return entries.size();
  }

  public PoolEntry get(int index) {
    return entries.get(index);
  }

  /** The subset of the given indices (sorted ascending in the result). */
  public Subset subset(int[] indices) {
    int[] sorted = indices.clone();
    java.util.Arrays.sort(sorted);
    List<String> ids = new ArrayList<>(sorted.length);
    for (int i : sorted) {
      ids.add(entries.get(i).id());
    }
    return new Subset(sorted, ids);
  }
}
