package io.labelcurve.activities.adapter;

import io.labelcurve.activities.eval.Evaluator;
import io.labelcurve.activities.runtime.Provenance;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How one cell's number came to be, typed and built from what the cell actually used. Its record
 * stores it as the flat string map ({@link #asMap}) whose keys results readers and the report have
 * always read: the worker's, then the dataset's, the adaptation's own, the augmentation, the vote
 * and when the cell finished.
 *
 * @param worker the machine and software that computed it
 * @param datasetDigest the dataset's digest
 * @param dataset the manifest's URI
 * @param adaptation what the probe or finetune trained and how
 * @param augmentation the augmentation spec ({@code AugmentationSpec#describe})
 * @param voteFrames frames voted per sequence ({@link Evaluator#ALL_FRAMES}: all)
 * @param finished when the cell finished
 */
record CellProvenance(
    Provenance.Worker worker,
    String datasetDigest,
    String dataset,
    Adaptation adaptation,
    String augmentation,
    int voteFrames,
    Instant finished) {

  /** The adaptation's own part of a cell's provenance. */
  sealed interface Adaptation permits ProbeProvenance, FinetuneProvenance {
    /** Adds its keys, in the order a reader expects them. */
    void addTo(Map<String, String> p);
  }

  /** The record's provenance map; keys unchanged since records were first written. */
  Map<String, String> asMap() {
    Map<String, String> p = new LinkedHashMap<>(worker.asMap());
    p.put("dataset_digest", datasetDigest);
    p.put("dataset", dataset);
    adaptation.addTo(p);
    p.put("augmentation", augmentation);
    p.put("vote_frames", Evaluator.describeVoteFrames(voteFrames));
    p.put("finished", finished.toString());
    return p;
  }
}
