package io.labelcurve.activities.eval;

import io.labelcurve.activities.dataset.ManifestRow;
import java.util.ArrayList;
import java.util.List;

/**
 * The images of one test split in the order their scores come in, with what evaluation needs of
 * each: its class, its sequence, and where it sits in its sequence (for {@code vote_frames}).
 *
 * @param split the split's name
 * @param labels per image, its class index
 * @param sequences per image, its sequence id
 * @param images per image, its id (orders frames when the manifest has no frame index)
 * @param frames per image, its frame index in the sequence, or null when the manifest has none
 */
public record TestSet(
    String split, int[] labels, List<String> sequences, List<String> images, List<Integer> frames) {

  public TestSet {
    int n = labels.length;
    if (sequences.size() != n || images.size() != n || frames.size() != n) {
      throw new IllegalArgumentException(
          "labels, sequences, images and frames differ in length: "
              + n
              + ", "
              + sequences.size()
              + ", "
              + images.size()
              + ", "
              + frames.size());
    }
  }

  /** The rows of a split, in the order given; a label not in {@code classes} is refused. */
  public static TestSet of(String split, List<ManifestRow> rows, List<String> classes) {
    int[] labels = new int[rows.size()];
    List<String> sequences = new ArrayList<>(rows.size());
    List<String> images = new ArrayList<>(rows.size());
    List<Integer> frames = new ArrayList<>(rows.size());
    for (int i = 0; i < labels.length; i++) {
      ManifestRow r = rows.get(i);
      labels[i] = classes.indexOf(r.label());
      if (labels[i] < 0) {
        throw new IllegalArgumentException(
            "manifest row "
                + r.rowNumber()
                + " ("
                + r.image()
                + "): label '"
                + r.label()
                + "' is not one of the training classes "
                + classes);
      }
      sequences.add(r.sequence());
      images.add(r.image());
      frames.add(r.frame());
    }
    return new TestSet(split, labels, sequences, images, frames);
  }

  public int size() {
    return labels.length;
  }
}
