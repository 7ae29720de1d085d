package io.labelcurve.activities.results;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.labelcurve.activities.eval.SequenceOutcomes;
import io.labelcurve.workflows.activities.CellResult;
import java.util.List;
import java.util.Map;

/**
 * Everything one cell produced, as stored in {@code sweeps/{id}/cells/{cell}.json}: the scores that
 * go into {@code results.csv}, the confusion matrices, where its sampled ids are, and the
 * provenance a report needs to say how the number came to be.
 *
 * @param sweep sweep id
 * @param cell cell id
 * @param model catalog model id
 * @param adaptation {@code linear-probe} or {@code finetune}
 * @param sampling {@code image} or {@code sequence}
 * @param size images (image sampling) or sequences in all (sequence sampling)
 * @param perClass sequences per class (sequence sampling), else null
 * @param seed subset seed
 * @param trainImages images trained on
 * @param trainSeconds classifier training time
 * @param inferMsPerImage encoder plus classifier time per image
 * @param params encoder parameters (plus the classifier's)
 * @param classes class labels, in index order
 * @param scores one per test split × level
 * @param confusion split → level → {@code [true][predicted]} counts
 * @param sampledIds key of the file listing the training ids, one per line
 * @param provenance how it was computed: versions, digests, solver, preset, host
 * @param outcomes per test split, what was right on each sequence (the report's test-set intervals
 *     resample them); null in records written before they were kept
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record CellRecord(
    String sweep,
    String cell,
    String model,
    String adaptation,
    String sampling,
    int size,
    Integer perClass,
    int seed,
    int trainImages,
    double trainSeconds,
    double inferMsPerImage,
    long params,
    List<String> classes,
    List<Score> scores,
    Map<String, Map<String, int[][]>> confusion,
    String sampledIds,
    Map<String, String> provenance,
    List<SequenceOutcomes> outcomes) {

  /** The outcomes of one test split, when the record has them. */
  public java.util.Optional<SequenceOutcomes> outcomesOf(String split) {
    return outcomes == null
        ? java.util.Optional.empty()
        : outcomes.stream().filter(o -> o.split().equals(split)).findFirst();
  }

  /** The small result a workflow receives of this cell, stored at {@code uri}. */
  public CellResult toResult(String uri, boolean cached) {
    return new CellResult(
        cell,
        uri,
        trainImages,
        trainSeconds,
        scores.stream()
            .map(s -> new CellResult.SplitScore(s.split(), s.level(), s.accuracy(), s.n()))
            .toList(),
        cached);
  }

  /**
   * @param split test split
   * @param level {@code image} or {@code sequence}
   * @param accuracy fraction correct
   * @param n images or sequences
   */
  public record Score(String split, String level, double accuracy, int n) {}
}
