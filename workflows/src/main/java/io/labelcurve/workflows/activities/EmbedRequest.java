package io.labelcurve.workflows.activities;

/**
 * @param manifestUri the dataset's manifest in the bucket
 * @param datasetDigest the dataset's content digest (part of the cache key)
 * @param split the manifest split to embed
 * @param withVariants embed the augmented variants of each frame too (training pool)
 * @param model catalog model id
 * @param preset compute preset name (input size and batch size may depend on it)
 */
public record EmbedRequest(
    String manifestUri, String datasetDigest, String split, boolean withVariants, String model,
    String preset) {}
