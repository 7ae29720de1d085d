package io.labelcurve.activities.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.results.ResultsCsv;
import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * What a report is made of, read from the bucket: the rows of {@code results.csv} (or, while the
 * sweep runs and there is none yet, the same rows rendered from the finished cells), the cells
 * themselves (confusion matrices, provenance), and {@code spec.json} (the plan, to tell a partial
 * sweep from a finished one).
 *
 * @param sweepId sweep id
 * @param specDoc {@code spec.json} as a tree, or null when there is none
 * @param rows one per cell × test split × level
 * @param cells the finished cells
 * @param resultsCsvPresent whether the sweep has written its {@code results.csv}
 * @param plannedCells cells the spec plans, or -1 when it cannot be known (no spec.json)
 */
public record ReportData(
    String sweepId,
    JsonNode specDoc,
    List<ResultsCsv.Row> rows,
    List<CellRecord> cells,
    boolean resultsCsvPresent,
    int plannedCells) {

  /** Whether the report shows a sweep that has not finished (or has failed cells). */
  public boolean incomplete() {
    return !resultsCsvPresent || (plannedCells >= 0 && cells.size() < plannedCells);
  }

  /** The spec, when {@code spec.json} is there. */
  public Optional<SweepSpec> spec() {
    return SweepStore.parseSpec(specDoc).map(SweepStore.StoredSpec::spec);
  }

  public Optional<DatasetSummary> dataset() {
    return SweepStore.parseSpec(specDoc).map(SweepStore.StoredSpec::dataset);
  }

  /** Reads a sweep; fails when it has neither a spec nor a single cell. */
  public static ReportData read(BlobStore store, String sweepId) throws IOException {
    SweepStore sweep = new SweepStore(store, sweepId);
    JsonNode spec = sweep.readSpecDocument().orElse(null);
    List<CellRecord> cells = sweep.readCells();
    if (spec == null && cells.isEmpty()) {
      throw new IOException(
          "no sweep '"
              + sweepId
              + "' in bucket "
              + store.bucket()
              + ": neither "
              + sweep.specKey()
              + " nor any cell under "
              + sweep.cellsPrefix());
    }
    Optional<String> csv = sweep.readResults();
    String text = csv.orElseGet(() -> ResultsCsv.render(cells));
    ReportData partial =
        new ReportData(sweepId, spec, ResultsCsv.parse(text), cells, csv.isPresent(), -1);
    int planned = -1;
    Optional<SweepSpec> s = partial.spec();
    Optional<DatasetSummary> d = partial.dataset();
    if (s.isPresent() && d.isPresent()) {
      planned = SweepPlanner.plan(s.get(), d.get()).size();
    }
    return new ReportData(sweepId, spec, partial.rows(), cells, csv.isPresent(), planned);
  }
}
