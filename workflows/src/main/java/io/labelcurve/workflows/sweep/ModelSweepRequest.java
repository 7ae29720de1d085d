package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The input of one run of a model's workflow. The cells are not carried: they are a pure function
 * of (spec, dataset, model, onlyCells) through {@link SweepPlanner#plan}, so a continued run
 * re-plans them and starts at {@link #cursor}. What is carried is small and bounded: counters, a
 * sample of failure messages and the embedding sets (a few hundred bytes each), so that no
 * embedding is requested again after continue-as-new.
 *
 * @param sweepId the parent sweep
 * @param spec the sweep's spec
 * @param model catalog model id
 * @param dataset the validated dataset
 * @param onlyCells the cells this sweep run executes, {@code null} for all
 * @param cursor index (in {@link #cells()}) of the next cell to start
 * @param progress counters of the runs before this one
 * @param embeddings the training set's and then every test split's embeddings, once known; empty
 *     before the first run embedded
 * @param planDigest {@link #digestOf} the cells the first run planned, carried so that a continued
 *     run whose re-plan differs (a planner change deployed mid-sweep) fails loudly instead of
 *     resuming its cursor in another list, which would skip cells; null in a first run (and in runs
 *     started before it was carried)
 * @param cellsInFlight ids of the cells whose cell workflows ({@link CellWorkflow}) a previous run
 *     started and that had not ended when it continued as new: this run counts them when their
 *     {@code cellDone} signal comes. At most the window; empty in a first run and in runs whose
 *     cells are activities (histories from before {@link ModelSweepWorkflowImpl#CELLS_IN_CHILDREN})
 */
public record ModelSweepRequest(
    String sweepId,
    SweepSpec spec,
    String model,
    DatasetSummary dataset,
    Set<String> onlyCells,
    int cursor,
    Counters progress,
    List<EmbeddingSet> embeddings,
    String planDigest,
    List<String> cellsInFlight) {
  public ModelSweepRequest {
    cellsInFlight = cellsInFlight == null ? List.of() : List.copyOf(cellsInFlight);
    onlyCells =
        onlyCells == null
            ? null
            : java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(onlyCells));
    embeddings = embeddings == null ? List.of() : List.copyOf(embeddings);
    progress = progress == null ? Counters.ZERO : progress;
  }

  /** A run with no cell workflow in flight, as every run before cells ran in children. */
  public ModelSweepRequest(
      String sweepId,
      SweepSpec spec,
      String model,
      DatasetSummary dataset,
      Set<String> onlyCells,
      int cursor,
      Counters progress,
      List<EmbeddingSet> embeddings,
      String planDigest) {
    this(
        sweepId,
        spec,
        model,
        dataset,
        onlyCells,
        cursor,
        progress,
        embeddings,
        planDigest,
        List.of());
  }

  /** The first run of a model: nothing done, nothing embedded. */
  public static ModelSweepRequest first(
      String sweepId, SweepSpec spec, String model, DatasetSummary dataset, Set<String> onlyCells) {
    return new ModelSweepRequest(
        sweepId, spec, model, dataset, onlyCells, 0, Counters.ZERO, List.of(), null);
  }

  /** SHA-256 of the cells' ids in plan order: what a continued run must find again. */
  public static String digestOf(List<Cell> cells) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      for (Cell c : cells) {
        md.update((c.id() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** This model's cells of this sweep run, in plan order. */
  public List<Cell> cells() {
    return SweepPlanner.plan(spec, dataset).stream()
        .filter(c -> c.model().equals(model))
        .filter(c -> onlyCells == null || onlyCells.contains(c.id()))
        .toList();
  }

  /**
   * Counters carried through continue-as-new.
   *
   * @param done cells finished
   * @param failed cells failed
   * @param failureSample at most {@link ModelSweepWorkflowImpl#FAILURE_SAMPLE} cell id → message;
   *     every failed id is also written to {@code sweeps/{id}/failures/} for a rerun
   * @param imagesEmbedded images the embedding activities computed
   * @param imagesFromCache images found in the embedding cache
   * @param runs runs of this workflow so far (1 + continue-as-new count)
   */
  public record Counters(
      int done,
      int failed,
      Map<String, String> failureSample,
      int imagesEmbedded,
      int imagesFromCache,
      int runs) {
    public static final Counters ZERO = new Counters(0, 0, Map.of(), 0, 0, 0);

    public Counters {
      failureSample =
          failureSample == null
              ? Map.of()
              : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(failureSample));
    }
  }
}
