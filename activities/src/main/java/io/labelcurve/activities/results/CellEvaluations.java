package io.labelcurve.activities.results;

import io.labelcurve.activities.eval.SequenceOutcomes;
import io.labelcurve.activities.eval.SplitEvaluation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The evaluations of one cell on its test splits, gathered into what its record stores. */
public final class CellEvaluations {
  private final List<CellRecord.Score> scores = new ArrayList<>();
  private final Map<String, Map<String, int[][]>> confusion = new LinkedHashMap<>();
  private final List<SequenceOutcomes> outcomes = new ArrayList<>();

  /** Adds one split: its two scores, its confusion matrices and its per-sequence outcomes. */
  public void add(SplitEvaluation e) {
    scores.add(new CellRecord.Score(e.split(), "image", e.imageAccuracy(), e.images()));
    scores.add(new CellRecord.Score(e.split(), "sequence", e.sequenceAccuracy(), e.sequences()));
    confusion.put(
        e.split(), Map.of("image", e.imageConfusion(), "sequence", e.sequenceConfusion()));
    if (e.outcomes() != null) {
      outcomes.add(e.outcomes());
    }
  }

  public List<CellRecord.Score> scores() {
    return scores;
  }

  public Map<String, Map<String, int[][]>> confusion() {
    return confusion;
  }

  public List<SequenceOutcomes> outcomes() {
    return outcomes;
  }
}
