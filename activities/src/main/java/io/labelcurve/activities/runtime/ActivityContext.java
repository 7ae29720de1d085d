package io.labelcurve.activities.runtime;

import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.storage.BlobStore;

/**
 * What every activity implementation of one worker process shares: the bucket, the model catalog,
 * the meters and the worker's resources.
 *
 * @param store the bucket
 * @param catalog the models this worker can load
 * @param metrics labelcurve's meters
 * @param svmThreads threads one SVM training may use
 */
public record ActivityContext(
    BlobStore store, ModelCatalog catalog, LabelcurveMetrics metrics, int svmThreads) {}
