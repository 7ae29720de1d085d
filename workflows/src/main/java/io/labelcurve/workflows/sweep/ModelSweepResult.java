package io.labelcurve.workflows.sweep;

import java.util.List;
import java.util.Map;

/**
 * @param model catalog model id
 * @param cellsDone cells that finished (computed now or found in the bucket)
 * @param cellsFailed cells that failed
 * @param failedCells id → failure message of failed cells: all of them when few, a bounded sample
 *     otherwise (every failed id is in {@code sweeps/{id}/failures/})
 * @param imagesEmbedded images this run embedded
 * @param imagesFromCache images whose embeddings were already in the cache
 * @param runs workflow runs it took (continue-as-new)
 */
public record ModelSweepResult(
    String model,
    int cellsDone,
    int cellsFailed,
    Map<String, String> failedCells,
    int imagesEmbedded,
    int imagesFromCache,
    int runs) {
  public ModelSweepResult {
    failedCells = Map.copyOf(failedCells);
  }

  public List<String> failedCellIds() {
    return failedCells.keySet().stream().sorted().toList();
  }
}
