package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.DatasetSummary;
import java.util.List;

/**
 * @param sweepId the parent sweep
 * @param model catalog model id
 * @param preset compute preset
 * @param dataset the validated dataset
 * @param testSplits splits every cell is evaluated on
 * @param cells this model's cells, in plan order
 * @param maxCellsInFlight bound on the cells running at once
 */
public record ModelSweepRequest(
    String sweepId, String model, String preset, DatasetSummary dataset, List<String> testSplits,
    List<Cell> cells, int maxCellsInFlight) {
  public ModelSweepRequest {
    testSplits = List.copyOf(testSplits);
    cells = List.copyOf(cells);
  }
}
