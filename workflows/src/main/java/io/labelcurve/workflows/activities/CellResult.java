package io.labelcurve.workflows.activities;

import java.util.List;

/**
 * The outcome of one cell: one accuracy per test split and level. Small: the sampled ids and
 * confusion matrices stay in {@code cells/{cell}.json}.
 *
 * @param cellId the cell
 * @param uri where the cell's full result is
 * @param trainImages images the classifier was trained on
 * @param trainSeconds training time of the classifier
 * @param scores accuracies, one per test split × level
 * @param cached true when the result was already in the bucket
 */
public record CellResult(
    String cellId,
    String uri,
    int trainImages,
    double trainSeconds,
    List<SplitScore> scores,
    boolean cached) {
  public CellResult {
    scores = List.copyOf(scores);
  }

  /**
   * @param split test split
   * @param level {@code image} or {@code sequence}
   * @param accuracy fraction correct
   * @param n images or sequences evaluated
   */
  public record SplitScore(String split, String level, double accuracy, int n) {}
}
