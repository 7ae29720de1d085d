package io.labelcurve.activities.eval;

import io.labelcurve.activities.svm.LinearSvcModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accuracy at image level and at sequence level, as the paper measures it: a sequence is predicted
 * by the majority vote of its frames' predictions; a tie goes to the tied class with the highest
 * mean decision score over the voting frames. With {@code vote_frames} only that many evenly spaced
 * frames of each sequence vote (the paper's test sets hold five per sequence).
 */
public final class Evaluator {
  private Evaluator() {}

  /** Every frame of a sequence votes. */
  public static final int ALL_FRAMES = 0;

  /** {@code all frames} or {@code N evenly spaced frames per sequence}, for provenance. */
  public static String describeVoteFrames(int voteFrames) {
    return voteFrames == ALL_FRAMES
        ? "all frames (default)"
        : voteFrames + " evenly spaced frames per sequence";
  }

  /**
   * Every frame votes, frames in input order (kept for callers without manifest rows).
   *
   * @param split the split's name
   * @param scores per image, the decision score of every class ({@code [image][class]})
   * @param labels per image, its true class
   * @param sequences per image, its sequence id (one label per sequence)
   * @param numClasses classes of the dataset
   */
  public static SplitEvaluation evaluate(
      String split, double[][] scores, int[] labels, List<String> sequences, int numClasses) {
    List<String> images = new ArrayList<>(labels.length);
    List<Integer> frames = new ArrayList<>(labels.length);
    for (int i = 0; i < labels.length; i++) {
      images.add(String.format(java.util.Locale.ROOT, "%010d", i));
      frames.add(null);
    }
    if (sequences.size() != labels.length) {
      throw new IllegalArgumentException(
          "scores, labels and sequences differ in length: "
              + scores.length
              + ", "
              + labels.length
              + ", "
              + sequences.size());
    }
    return evaluate(
        new TestSet(split, labels, sequences, images, frames), scores, numClasses, ALL_FRAMES);
  }

  /**
   * @param test the split's images, in the order of {@code scores}
   * @param scores per image, the decision score of every class ({@code [image][class]})
   * @param numClasses classes of the dataset
   * @param voteFrames frames per sequence that vote, evenly spaced ({@link #voteFrameIndices});
   *     {@link #ALL_FRAMES} (or more than a sequence has) for all of them. Image-level accuracy
   *     counts every image whatever this is.
   */
  public static SplitEvaluation evaluate(
      TestSet test, double[][] scores, int numClasses, int voteFrames) {
    int n = test.size();
    int[] labels = test.labels();
    if (scores.length != n) {
      throw new IllegalArgumentException(
          "scores and labels of "
              + test.split()
              + " differ in length: "
              + scores.length
              + ", "
              + n);
    }
    if (voteFrames < 0) {
      throw new IllegalArgumentException("vote_frames must be >= 0 (0: all), got " + voteFrames);
    }
    int[][] imageConfusion = new int[numClasses][numClasses];
    int correct = 0;
    // Sorted by sequence id: the order of the stored per-sequence outcomes, the same in every cell.
    Map<String, List<Integer>> bySequence = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      int predicted = argmax(scores[i]);
      imageConfusion[labels[i]][predicted]++;
      if (predicted == labels[i]) {
        correct++;
      }
      bySequence.computeIfAbsent(test.sequences().get(i), s -> new ArrayList<>()).add(i);
    }
    int[][] sequenceConfusion = new int[numClasses][numClasses];
    int sequencesCorrect = 0;
    int q = bySequence.size();
    int[] seqFrames = new int[q];
    int[] seqCorrect = new int[q];
    int[] seqVote = new int[q];
    int[] seqVoters = new int[q];
    int k = 0;
    for (List<Integer> frames : bySequence.values()) {
      for (int i : frames) {
        seqFrames[k]++;
        if (argmax(scores[i]) == labels[i]) {
          seqCorrect[k]++;
        }
      }
      List<Integer> voters = voters(test, frames, voteFrames);
      int predicted = vote(voters, scores, numClasses);
      int truth = labels[frames.get(0)];
      sequenceConfusion[truth][predicted]++;
      seqVoters[k] = voters.size();
      if (predicted == truth) {
        sequencesCorrect++;
        seqVote[k] = 1;
      }
      k++;
    }
    SequenceOutcomes outcomes =
        new SequenceOutcomes(
            test.split(),
            SequenceOutcomes.digest(List.copyOf(bySequence.keySet())),
            seqFrames,
            seqCorrect,
            seqVote,
            seqVoters);
    return new SplitEvaluation(
        test.split(),
        n,
        n == 0 ? 0 : (double) correct / n,
        q,
        q == 0 ? 0 : (double) sequencesCorrect / q,
        imageConfusion,
        sequenceConfusion,
        outcomes);
  }

  /** The frames of one sequence that vote: in frame order, {@code voteFrames} evenly spaced. */
  static List<Integer> voters(TestSet test, List<Integer> frames, int voteFrames) {
    if (voteFrames == ALL_FRAMES || voteFrames >= frames.size()) {
      return frames;
    }
    List<Integer> ordered = new ArrayList<>(frames);
    // By the manifest's frame index where there is one, else (and on ties) by image id.
    ordered.sort(
        Comparator.comparing(
                (Integer i) -> test.frames().get(i),
                Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(i -> test.images().get(i)));
    List<Integer> out = new ArrayList<>(voteFrames);
    for (int p : voteFrameIndices(ordered.size(), voteFrames)) {
      out.add(ordered.get(p));
    }
    return out;
  }

  /**
   * Positions of {@code k} evenly spaced frames among {@code m}: the frame at the centre of each of
   * k equal parts of the sequence, {@code floor((i + 0.5) · m / k)} for i = 0..k-1 (distinct for k
   * ≤ m); all m positions when k is 0 or at least m. The paper's test sets hold five frames
   * "selected at intervals from one heart cycle"; which ones it took is not stated, so centred
   * spacing is this implementation's choice.
   */
  public static int[] voteFrameIndices(int m, int k) {
    if (k == ALL_FRAMES || k >= m) {
      int[] all = new int[m];
      for (int i = 0; i < m; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] out = new int[k];
    for (int i = 0; i < k; i++) {
      out[i] = (int) Math.floor((i + 0.5) * m / k);
    }
    return out;
  }

  /** The majority class of a sequence's frames; ties by the highest mean score. */
  static int vote(List<Integer> frames, double[][] scores, int numClasses) {
    int[] votes = new int[numClasses];
    double[] scoreSum = new double[numClasses];
    for (int i : frames) {
      votes[argmax(scores[i])]++;
      for (int c = 0; c < numClasses; c++) {
        scoreSum[c] += scores[i][c];
      }
    }
    int best = -1;
    for (int c = 0; c < numClasses; c++) {
      if (votes[c] == 0) {
        continue;
      }
      if (best < 0
          || votes[c] > votes[best]
          || (votes[c] == votes[best] && scoreSum[c] > scoreSum[best])) {
        best = c;
      }
    }
    return best;
  }

  /**
   * Index of the highest score; the lowest index among equal scores: the SVM's own rule ({@link
   * LinearSvcModel#argmax}), for the finetuned network's logits too.
   */
  public static int argmax(double[] s) {
    return LinearSvcModel.argmax(s);
  }
}
