package io.labelcurve.workflows.sweep;

import java.util.List;
import java.util.Map;

/**
 * @param model catalog model id
 * @param cellsDone cells that finished (computed now or found in the bucket)
 * @param failedCells id → failure message of each cell that failed
 * @param imagesEmbedded images this run embedded
 * @param imagesFromCache images whose embeddings were already in the cache
 */
public record ModelSweepResult(
    String model, int cellsDone, Map<String, String> failedCells, int imagesEmbedded,
    int imagesFromCache) {
  public ModelSweepResult {
    failedCells = Map.copyOf(failedCells);
  }

  public List<String> failedCellIds() {
    return failedCells.keySet().stream().sorted().toList();
  }
}
