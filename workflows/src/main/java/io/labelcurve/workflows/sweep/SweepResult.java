package io.labelcurve.workflows.sweep;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * @param sweepId the sweep
 * @param cells planned cells
 * @param cellsDone cells finished
 * @param cellsFailed cells failed (see each model's result)
 * @param resultsUri {@code s3://…/sweeps/{id}/results.csv}
 * @param imagesEmbedded images embedded by this sweep
 * @param imagesFromCache images whose embeddings came from the cache
 * @param models the result of each model whose workflow completed
 * @param failedModels model id → why its model workflow failed; empty when none did. A sweep with a
 *     failed model ends failed, with this result as the details of its failure.
 */
public record SweepResult(
    String sweepId,
    int cells,
    int cellsDone,
    int cellsFailed,
    String resultsUri,
    int imagesEmbedded,
    int imagesFromCache,
    List<ModelSweepResult> models,
    Map<String, String> failedModels) {
  public SweepResult {
    models = List.copyOf(models);
    // Sorted, so that it serialises the same way every time; null in results written before it.
    failedModels =
        failedModels == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new TreeMap<>(failedModels));
  }
}
