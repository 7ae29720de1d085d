package io.labelcurve.activities.eval;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.labelcurve.activities.Sha256;
import java.util.List;

/**
 * What one classifier got right on each sequence of a test split: enough to resample the test set
 * by sequence (the report's clustered bootstrap) without storing a prediction per image. Sequences
 * are in the order of their sorted ids, the same in every cell of a sweep, so that two cells can be
 * resampled with the same draws; {@link #sequencesDigest} says which sequences they are.
 *
 * @param split the test split
 * @param sequencesDigest first 16 hex digits of SHA-256 over the sorted sequence ids, one per line
 * @param frames per sequence, the images evaluated at image level
 * @param correct per sequence, the images predicted right
 * @param voteCorrect per sequence, 1 when its vote is its label, else 0
 * @param voteFrames per sequence, the frames that voted (all, or {@code vote_frames} of them)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SequenceOutcomes(
    String split,
    String sequencesDigest,
    int[] frames,
    int[] correct,
    int[] voteCorrect,
    int[] voteFrames) {

  public SequenceOutcomes {
    int n = frames.length;
    if (correct.length != n || voteCorrect.length != n || voteFrames.length != n) {
      throw new IllegalArgumentException("per-sequence arrays of " + split + " differ in length");
    }
  }

  @JsonIgnore
  public int sequences() {
    return frames.length;
  }

  /** The digest of a sorted list of sequence ids. */
  public static String digest(List<String> sortedSequenceIds) {
    // The same digest as a shard's ids file, shortened.
    return Sha256.hexOfLines(sortedSequenceIds).substring(0, 16);
  }
}
