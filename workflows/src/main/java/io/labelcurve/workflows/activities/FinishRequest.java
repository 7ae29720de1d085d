package io.labelcurve.workflows.activities;

import java.util.List;

/**
 * The end of a fanned-out extraction: the plan and what each of its ranges did (at most {@code
 * ModelSweepWorkflowImpl.MAX_RANGES} results: bounded).
 */
public record FinishRequest(EmbedRequest embed, ExtractionPlan plan, List<RangeResult> ranges) {
  public FinishRequest {
    ranges = List.copyOf(ranges);
  }
}
