package io.labelcurve.workflows.sweep;

import java.util.List;

/**
 * @param sweepId the sweep
 * @param cells planned cells
 * @param cellsDone cells finished
 * @param cellsFailed cells failed (see each model's result)
 * @param resultsUri {@code s3://…/sweeps/{id}/results.csv}
 * @param imagesEmbedded images embedded by this sweep
 * @param imagesFromCache images whose embeddings came from the cache
 * @param models the result of each model
 */
public record SweepResult(
    String sweepId, int cells, int cellsDone, int cellsFailed, String resultsUri,
    int imagesEmbedded, int imagesFromCache, List<ModelSweepResult> models) {
  public SweepResult {
    models = List.copyOf(models);
  }
}
