package io.labelcurve.workflows.spec;

import java.util.List;
import java.util.Map;

/**
 * What planning needs to know of a validated dataset. Small on purpose: it travels in workflow
 * history; the images and ids stay in the bucket.
 *
 * @param manifestUri the manifest in the bucket
 * @param digest content digest of the manifest and its images; names the embedding cache
 * @param classes class labels in a fixed (sorted) order; a label's index is its class id
 * @param trainSplit the split that trains
 * @param trainImages images of the training split (originals)
 * @param trainPoolImages images of the training pool: originals and augmented variants
 * @param sequencesPerClass training sequences of each class
 * @param testImages images of each test split
 */
public record DatasetSummary(
    String manifestUri,
    String digest,
    List<String> classes,
    String trainSplit,
    int trainImages,
    int trainPoolImages,
    Map<String, Integer> sequencesPerClass,
    Map<String, Integer> testImages) {

  public DatasetSummary {
    classes = List.copyOf(classes);
    sequencesPerClass = Map.copyOf(sequencesPerClass);
    testImages = Map.copyOf(testImages);
  }

  /** The fewest training sequences any class has. */
  public int minSequencesPerClass() {
    return sequencesPerClass.values().stream().mapToInt(Integer::intValue).min().orElse(0);
  }
}
