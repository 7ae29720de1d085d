package io.labelcurve.workflows.activities;

import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.DatasetSummary;
import java.util.List;

/**
 * @param sweepId the sweep the cell belongs to
 * @param cell the cell
 * @param dataset the validated dataset
 * @param train embeddings of the training pool
 * @param tests embeddings of each test split, in the spec's order
 */
public record ProbeCellRequest(
    String sweepId, Cell cell, DatasetSummary dataset, EmbeddingSet train, List<EmbeddingSet> tests) {
  public ProbeCellRequest {
    tests = List.copyOf(tests);
  }
}
