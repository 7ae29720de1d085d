package io.labelcurve.workflows.activities;

/**
 * The dataset whose frames to store.
 *
 * @param manifestUri the manifest in the bucket
 * @param datasetDigest its content digest, which names the store
 */
public record FrameStoreRequest(String manifestUri, String datasetDigest) {}
