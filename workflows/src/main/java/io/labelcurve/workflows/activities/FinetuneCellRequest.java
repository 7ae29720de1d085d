package io.labelcurve.workflows.activities;

import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.DatasetSummary;
import java.util.List;

/**
 * One finetune cell to compute.
 *
 * @param sweepId the sweep the cell belongs to
 * @param cell the cell (its adaptation is {@code finetune}); model, sampling, size and seed
 * @param dataset the validated dataset
 * @param preset the compute preset's name ({@code paper}, {@code cpu-small}): input size, batch
 *     size and the minimum number of samples seen
 * @param testSplits the test splits to evaluate on, in the spec's order
 * @param keepFinalModel whether the finetuned weights stay in the bucket after the cell
 *     ({@code sweeps/{id}/checkpoints/{cell}/final/}); otherwise every checkpoint is deleted
 * @param epochs the spec's explicit epochs for this cell's sampling and size ({@code
 *     finetune_epochs}, e.g. the paper's Table 6), or null for the rule max(1, ceil(samples / n));
 *     null in requests scheduled before the field existed
 */
public record FinetuneCellRequest(
    String sweepId, Cell cell, DatasetSummary dataset, String preset, List<String> testSplits,
    boolean keepFinalModel, Integer epochs) {
  public FinetuneCellRequest {
    testSplits = List.copyOf(testSplits);
  }

  /** A request whose epochs follow the rule. */
  public FinetuneCellRequest(String sweepId, Cell cell, DatasetSummary dataset, String preset,
      List<String> testSplits, boolean keepFinalModel) {
    this(sweepId, cell, dataset, preset, testSplits, keepFinalModel, null);
  }
}
