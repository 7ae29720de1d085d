package io.labelcurve.activities.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Accuracy at image level and at sequence level, as the paper measures it: a sequence is
 * predicted by the majority vote of its frames' predictions; a tie goes to the tied class with the
 * highest mean decision score over the sequence's frames.
 */
public final class Evaluator {
  private Evaluator() {}

  /**
   * @param split the split's name
   * @param scores per image, the decision score of every class ({@code [image][class]})
   * @param labels per image, its true class
   * @param sequences per image, its sequence id (one label per sequence)
   * @param numClasses classes of the dataset
   */
  public static SplitEvaluation evaluate(String split, double[][] scores, int[] labels,
      List<String> sequences, int numClasses) {
    int n = labels.length;
    if (scores.length != n || sequences.size() != n) {
      throw new IllegalArgumentException("scores, labels and sequences differ in length: "
          + scores.length + ", " + n + ", " + sequences.size());
    }
    int[][] imageConfusion = new int[numClasses][numClasses];
    int correct = 0;
    Map<String, List<Integer>> bySequence = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      int predicted = argmax(scores[i]);
      imageConfusion[labels[i]][predicted]++;
      if (predicted == labels[i]) {
        correct++;
      }
      bySequence.computeIfAbsent(sequences.get(i), s -> new ArrayList<>()).add(i);
    }
    int[][] sequenceConfusion = new int[numClasses][numClasses];
    int sequencesCorrect = 0;
    for (List<Integer> frames : bySequence.values()) {
      int predicted = vote(frames, scores, numClasses);
      int truth = labels[frames.get(0)];
      sequenceConfusion[truth][predicted]++;
      if (predicted == truth) {
        sequencesCorrect++;
      }
    }
    return new SplitEvaluation(split, n, n == 0 ? 0 : (double) correct / n, bySequence.size(),
        bySequence.isEmpty() ? 0 : (double) sequencesCorrect / bySequence.size(),
        imageConfusion, sequenceConfusion);
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
      if (best < 0 || votes[c] > votes[best]
          || (votes[c] == votes[best] && scoreSum[c] > scoreSum[best])) {
        best = c;
      }
    }
    return best;
  }

  /** Index of the highest score; the lowest index among equal scores. */
  public static int argmax(double[] s) {
    int best = 0;
    for (int c = 1; c < s.length; c++) {
      if (s[c] > s[best]) {
        best = c;
      }
    }
    return best;
  }
}
