package io.labelcurve.activities.sampling;

import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.SamplingSpec;
import java.util.List;

/**
 * The training subset of one cell, as every adaptation draws it: nested and seeded, per image or
 * balanced per sequence.
 *
 * @param subset the pool indices and ids trained on
 * @param size images (image sampling) or sequences in all (sequence sampling)
 * @param perClass sequences per class (sequence sampling), else null
 */
public record CellSample(Subset subset, int size, Integer perClass) {

  /** Draws a cell's subset from the training pool. */
  public static CellSample of(TrainingPool pool, Cell cell) {
    if (SamplingSpec.IMAGE.equals(cell.sampling())) {
      return new CellSample(
          ImageSampler.nested(pool, cell.seed()).subset(cell.size()), cell.size(), null);
    }
    SequenceSampler sampler = SequenceSampler.nested(pool, cell.seed());
    int sequences =
        sampler.sequences(cell.size(), cell.capPerClass()).values().stream()
            .mapToInt(List::size)
            .sum();
    return new CellSample(sampler.subset(cell.size(), cell.capPerClass()), sequences, cell.size());
  }
}
