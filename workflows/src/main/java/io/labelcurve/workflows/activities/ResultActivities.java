package io.labelcurve.workflows.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Gathering cell results into the sweep's tables. Runs on {@link #TASK_QUEUE}. */
@ActivityInterface
public interface ResultActivities {
  /** The CPU queue. */
  String TASK_QUEUE = ProbeActivities.TASK_QUEUE;

  /**
   * Writes {@code sweeps/{id}/spec.json} so that a report or a rerun can find what was asked.
   * Idempotent.
   */
  @ActivityMethod
  String writeSpec(
      io.labelcurve.workflows.spec.SweepSpec spec,
      io.labelcurve.workflows.spec.DatasetSummary dataset);

  /**
   * Writes {@code sweeps/{id}/failures/{part}.json}: the cells that failed in one run of a model's
   * workflow, id → message, so that {@code sweep rerun --failed-only} finds them even after the
   * embedded server restarted. Idempotent ({@code part} names the run).
   */
  @ActivityMethod
  String writeFailures(String sweepId, String part, java.util.Map<String, String> failures);

  /**
   * Reads every {@code sweeps/{id}/cells/*.json} and writes {@code sweeps/{id}/results.csv}, one
   * row per cell × test split × level, in cell order. Returns the CSV's URI.
   */
  @ActivityMethod
  String writeResults(String sweepId);

  /**
   * Renders the sweep's report (learning curves, tables, trade-off, paired tests, provenance) and
   * writes every file of it under {@code sweeps/{id}/report/}. Returns the URI of its {@code
   * index.html}. Marked partial when cells are missing. Idempotent.
   */
  @ActivityMethod
  String writeReport(String sweepId);
}
