package io.labelcurve.workflows.activities;

import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.AugmentationSpec;
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
 * @param keepFinalModel whether the finetuned weights stay in the bucket after the cell ({@code
 *     sweeps/{id}/checkpoints/{cell}/final/}); otherwise every checkpoint is deleted
 * @param epochs the spec's explicit epochs for this cell's sampling and size ({@code
 *     finetune_epochs}, e.g. the paper's Table 6), or null for the rule max(1, ceil(samples / n));
 *     null in requests scheduled before the field existed
 * @param augmentation the variants in the training pool (the spec's); null for the default
 * @param voteFrames frames per test sequence that vote (the spec's); null or 0 for all
 */
public record FinetuneCellRequest(
    String sweepId,
    Cell cell,
    DatasetSummary dataset,
    String preset,
    List<String> testSplits,
    boolean keepFinalModel,
    Integer epochs,
    AugmentationSpec augmentation,
    Integer voteFrames) {
  public FinetuneCellRequest {
    testSplits = List.copyOf(testSplits);
  }

  /** Epochs by the rule, default augmentation, every frame voting (older requests). */
  public FinetuneCellRequest(
      String sweepId,
      Cell cell,
      DatasetSummary dataset,
      String preset,
      List<String> testSplits,
      boolean keepFinalModel) {
    this(sweepId, cell, dataset, preset, testSplits, keepFinalModel, null, null, null);
  }

  /** Default augmentation, every frame voting. */
  public FinetuneCellRequest(
      String sweepId,
      Cell cell,
      DatasetSummary dataset,
      String preset,
      List<String> testSplits,
      boolean keepFinalModel,
      Integer epochs) {
    this(sweepId, cell, dataset, preset, testSplits, keepFinalModel, epochs, null, null);
  }

  /** Epochs by the rule. */
  public FinetuneCellRequest(
      String sweepId,
      Cell cell,
      DatasetSummary dataset,
      String preset,
      List<String> testSplits,
      boolean keepFinalModel,
      AugmentationSpec augmentation,
      Integer voteFrames) {
    this(
        sweepId, cell, dataset, preset, testSplits, keepFinalModel, null, augmentation, voteFrames);
  }
}
