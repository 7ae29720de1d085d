package io.labelcurve.workflows.activities;

import io.labelcurve.workflows.spec.AugmentationSpec;

/**
 * @param manifestUri the dataset's manifest in the bucket
 * @param datasetDigest the dataset's content digest (part of the cache key)
 * @param split the manifest split to embed
 * @param withVariants embed the augmented variants of each frame too (training pool)
 * @param model catalog model id
 * @param preset compute preset name (input size and batch size may depend on it)
 * @param augmentation the variants embedded with {@code withVariants} (part of the cache key unless
 *     it is the default); null for {@link AugmentationSpec#DEFAULT}
 */
public record EmbedRequest(
    String manifestUri,
    String datasetDigest,
    String split,
    boolean withVariants,
    String model,
    String preset,
    AugmentationSpec augmentation) {

  /** The default augmentation (requests from before it could be chosen). */
  public EmbedRequest(
      String manifestUri,
      String datasetDigest,
      String split,
      boolean withVariants,
      String model,
      String preset) {
    this(manifestUri, datasetDigest, split, withVariants, model, preset, null);
  }
}
