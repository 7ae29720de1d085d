package io.labelcurve.workflows.activities;

import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.AugmentationSpec;
import io.labelcurve.workflows.spec.DatasetSummary;
import java.util.List;

/**
 * @param sweepId the sweep the cell belongs to
 * @param cell the cell
 * @param dataset the validated dataset
 * @param train embeddings of the training pool
 * @param tests embeddings of each test split, in the spec's order
 * @param augmentation the variants in the training pool (the spec's); null for the default
 * @param voteFrames frames per test sequence that vote (the spec's); null or 0 for all
 */
public record ProbeCellRequest(
    String sweepId,
    Cell cell,
    DatasetSummary dataset,
    EmbeddingSet train,
    List<EmbeddingSet> tests,
    AugmentationSpec augmentation,
    Integer voteFrames) {
  public ProbeCellRequest {
    tests = List.copyOf(tests);
  }

  /** Default augmentation, every frame voting (requests from before those options). */
  public ProbeCellRequest(
      String sweepId,
      Cell cell,
      DatasetSummary dataset,
      EmbeddingSet train,
      List<EmbeddingSet> tests) {
    this(sweepId, cell, dataset, train, tests, null, null);
  }
}
