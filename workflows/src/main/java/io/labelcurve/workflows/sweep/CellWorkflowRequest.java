package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.activities.ProbeCellRequest;

/**
 * The one cell a {@link CellWorkflow} runs: exactly one of the two requests is set.
 *
 * @param probe a linear-probe cell, or null
 * @param finetune a finetune cell, or null
 */
public record CellWorkflowRequest(ProbeCellRequest probe, FinetuneCellRequest finetune) {
  public CellWorkflowRequest {
    if ((probe == null) == (finetune == null)) {
      throw new IllegalArgumentException("a cell workflow runs one probe or one finetune cell");
    }
  }

  /** The id of the cell this request runs. */
  public String cellId() {
    return probe != null ? probe.cell().id() : finetune.cell().id();
  }
}
