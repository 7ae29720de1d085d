package io.labelcurve.activities.adapter;

import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.eval.Evaluator;
import io.labelcurve.activities.eval.TestSet;
import io.labelcurve.activities.results.CellEvaluations;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.sampling.CellSample;
import io.labelcurve.activities.sampling.TrainingPool;
import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.DatasetSummary;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * What every cell does around its own training, the same for probe and finetune cells: a cell whose
 * record is already in the bucket (an earlier attempt, or a rerun of the sweep) is read back; else
 * its training subset is drawn from the pool, the adaptation trains and scores the test splits, and
 * the sampled ids and the record (scores, confusion, typed provenance) are written.
 */
final class CellPipeline {
  private final SweepStore sweep;
  private final Cell cell;

  CellPipeline(BlobStore blobs, String sweepId, Cell cell) {
    this.sweep = new SweepStore(blobs, sweepId);
    this.cell = cell;
  }

  SweepStore sweep() {
    return sweep;
  }

  /** The stored result, when the cell has finished before; marked as cached. */
  Optional<CellResult> finished() throws IOException {
    Optional<CellRecord> record = sweep.readCell(cell.id());
    return record.map(r -> r.toResult(sweep.uri(sweep.cellKey(cell.id())), true));
  }

  /**
   * What a cell trains on and is scored against, read from the request's dataset.
   *
   * @param manifest the dataset's manifest
   * @param classes class labels, in index order
   * @param voteFrames frames voted per sequence ({@link Evaluator#ALL_FRAMES}: all)
   * @param pool the training split (with its augmented variants when there are)
   * @param sample this cell's subset of the pool
   */
  record Inputs(
      Manifest manifest,
      List<String> classes,
      int voteFrames,
      TrainingPool pool,
      CellSample sample) {
    /** The classes' labels of the subset, in its order. */
    int[] labels() {
      int[] indices = sample.subset().indices();
      int[] y = new int[indices.length];
      for (int i = 0; i < y.length; i++) {
        y[i] = pool.get(indices[i]).classIndex();
      }
      return y;
    }

    /** Scores one test split and adds it to {@code into}. */
    void evaluate(String split, List<ManifestRow> rows, double[][] scores, CellEvaluations into) {
      into.add(
          Evaluator.evaluate(TestSet.of(split, rows, classes), scores, classes.size(), voteFrames));
    }
  }

  /** Reads the manifest, the pool and this cell's sample. */
  Inputs inputs(Manifests manifests, DatasetSummary dataset, boolean variants, Integer voteFrames)
      throws IOException {
    Manifest manifest = manifests.read(dataset.manifestUri());
    List<String> classes = dataset.classes();
    TrainingPool pool = TrainingPool.of(manifest, dataset.trainSplit(), classes, variants);
    return new Inputs(
        manifest,
        classes,
        voteFrames == null ? Evaluator.ALL_FRAMES : voteFrames,
        pool,
        CellSample.of(pool, cell));
  }

  /**
   * What the adaptation measured.
   *
   * @param trainSeconds training time
   * @param inferMsPerImage inference time per test image
   * @param params parameters of the encoder (and what was trained on it)
   * @param evaluations the scored test splits
   */
  record Measured(
      double trainSeconds, double inferMsPerImage, long params, CellEvaluations evaluations) {}

  /** Writes the sampled ids and the record; returns what the workflow receives. */
  CellResult write(Inputs in, Measured m, CellProvenance provenance) throws IOException {
    CellSample sample = in.sample();
    String idsKey = sweep.writeSampledIds(cell.id(), sample.subset().ids());
    CellRecord record =
        new CellRecord(
            sweep.sweepId(),
            cell.id(),
            cell.model(),
            cell.adaptation(),
            cell.sampling(),
            sample.size(),
            sample.perClass(),
            cell.seed(),
            sample.subset().size(),
            m.trainSeconds(),
            m.inferMsPerImage(),
            m.params(),
            in.classes(),
            m.evaluations().scores(),
            m.evaluations().confusion(),
            idsKey,
            provenance.asMap(),
            m.evaluations().outcomes());
    return record.toResult(sweep.writeCell(record), false);
  }
}
