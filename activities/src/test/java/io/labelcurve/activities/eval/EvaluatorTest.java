package io.labelcurve.activities.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.labelcurve.activities.dataset.ManifestRow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Accuracy, the sequence vote with {@code vote_frames}, and the per-sequence outcomes kept. */
class EvaluatorTest {
  private static final List<String> CLASSES = List.of("A", "B");

  /** A score row predicting class c. */
  private static double[] predicts(int c) {
    return c == 0 ? new double[] {1, -1} : new double[] {-1, 1};
  }

  @Test
  void evenlySpacedFramesAreTheCentresOfEqualParts() {
    assertArrayEquals(new int[] {2, 6, 10, 14, 18}, Evaluator.voteFrameIndices(20, 5));
    assertArrayEquals(new int[] {1, 3, 5, 7, 9}, Evaluator.voteFrameIndices(10, 5));
    assertArrayEquals(new int[] {1, 4}, Evaluator.voteFrameIndices(6, 2));
    assertArrayEquals(new int[] {0, 1, 2}, Evaluator.voteFrameIndices(3, 5), "fewer frames: all");
    assertArrayEquals(new int[] {0, 1, 2, 3}, Evaluator.voteFrameIndices(4, Evaluator.ALL_FRAMES));
  }

  /**
   * One sequence of class A with 10 frames, given in shuffled manifest order: frames 0–5 are
   * predicted B, 6–9 A. All frames: B wins 6 to 4. Five evenly spaced frames (1, 3, 5, 7, 9 in
   * frame order): B wins 3 to 2. Two frames (2 and 7): a tie, broken by the higher mean score,
   * which frame 7's strong A gives to A.
   */
  @Test
  void voteFramesPicksFramesInFrameOrder() {
    int[] order = {7, 3, 9, 0, 5, 1, 8, 2, 6, 4};
    List<ManifestRow> rows = new ArrayList<>();
    double[][] scores = new double[order.length][];
    for (int i = 0; i < order.length; i++) {
      int frame = order[i];
      rows.add(
          new ManifestRow(i + 2, "T1/s1/f" + frame + ".png", "A", "s1", "T1", frame, null, null));
      scores[i] = predicts(frame <= 5 ? 1 : 0);
      if (frame == 7) {
        scores[i] = new double[] {3, -1};
      }
    }
    TestSet test = TestSet.of("T1", rows, CLASSES);
    SplitEvaluation all = Evaluator.evaluate(test, scores, 2, Evaluator.ALL_FRAMES);
    assertEquals(0.4, all.imageAccuracy(), 1e-12);
    assertEquals(0.0, all.sequenceAccuracy(), "B 6 to 4");
    SplitEvaluation five = Evaluator.evaluate(test, scores, 2, 5);
    assertEquals(0.4, five.imageAccuracy(), 1e-12, "image level counts every frame");
    assertEquals(0.0, five.sequenceAccuracy(), "frames 1, 3, 5, 7, 9: B 3 to 2");
    SplitEvaluation two = Evaluator.evaluate(test, scores, 2, 2);
    assertEquals(1.0, two.sequenceAccuracy(), "frames 2 (B) and 7 (A, higher score): tie to A");
    assertArrayEquals(new int[] {2}, two.outcomes().voteFrames());
    assertArrayEquals(new int[] {10}, two.outcomes().frames());
    assertArrayEquals(new int[] {4}, two.outcomes().correct());
    assertArrayEquals(new int[] {1}, two.outcomes().voteCorrect());
  }

  @Test
  void outcomesAreInSortedSequenceOrderWhateverTheInputOrder() {
    List<ManifestRow> rows =
        List.of(
            new ManifestRow(2, "b1.png", "B", "seq-b", "T1", null, null, null),
            new ManifestRow(3, "a1.png", "A", "seq-a", "T1", null, null, null),
            new ManifestRow(4, "b2.png", "B", "seq-b", "T1", null, null, null));
    double[][] scores = {predicts(1), predicts(1), predicts(1)};
    SplitEvaluation e = Evaluator.evaluate(TestSet.of("T1", rows, CLASSES), scores, 2, 0);
    assertArrayEquals(new int[] {1, 2}, e.outcomes().frames(), "seq-a first");
    assertArrayEquals(new int[] {0, 2}, e.outcomes().correct());
    assertArrayEquals(new int[] {0, 1}, e.outcomes().voteCorrect());
    assertEquals(
        SequenceOutcomes.digest(List.of("seq-a", "seq-b")), e.outcomes().sequencesDigest());
    assertEquals(2.0 / 3, e.imageAccuracy(), 1e-12);
    assertEquals(0.5, e.sequenceAccuracy(), 1e-12);
  }

  /** Scores of three classes A, B, C. */
  private static double[] abc(double a, double b, double c) {
    return new double[] {a, b, c};
  }

  /** Every frame in one sequence "s1" of true class {@code label}, through the plain overload. */
  private static SplitEvaluation oneSequence(int label, double[]... scores) {
    int[] labels = new int[scores.length];
    java.util.Arrays.fill(labels, label);
    return Evaluator.evaluate(
        "T1", scores, labels, java.util.Collections.nCopies(scores.length, "s1"), 3);
  }

  /**
   * The paper's sequence metric is a majority vote: two weak votes for A beat one very confident
   * vote for B, whose score sum is far higher. The score only breaks ties.
   */
  @Test
  void theMajorityWinsOverAHigherScoreSum() {
    SplitEvaluation e = oneSequence(1, abc(0.2, 0.1, 0), abc(0.2, 0.1, 0), abc(-5, 9, 0));
    assertEquals(1.0 / 3, e.imageAccuracy(), 1e-12, "one of three frames is B");
    assertEquals(0.0, e.sequenceAccuracy(), "A 2 to 1, though B's scores sum to 9.2 against -4.6");
    assertArrayEquals(new int[] {2, 1, 0}, e.imageConfusion()[1], "true B: 2 as A, 1 as B");
    assertArrayEquals(new int[] {1, 0, 0}, e.sequenceConfusion()[1], "the sequence voted A");
    assertEquals(3, e.images());
    assertEquals(1, e.sequences());
  }

  /**
   * A tie of votes goes to the tied class with the higher score sum (the mean over the same voting
   * frames), not to the first class, and never to a class with fewer votes however high its score.
   */
  @Test
  void aTieGoesToTheTiedClassWithTheHigherScoreOnly() {
    double[][] votes = {
      abc(1, 0, 0), abc(1, 0, 0), abc(0, 2, 0), abc(0, 2, 0), abc(0, 0, 50),
    };
    // Votes A 2, B 2, C 1; score sums A 2, B 4, C 50.
    assertEquals(1.0, oneSequence(1, votes).sequenceAccuracy(), "B: tied with A, higher sum");
    assertEquals(0.0, oneSequence(0, votes).sequenceAccuracy(), "not A, the first tied class");
    assertEquals(0.0, oneSequence(2, votes).sequenceAccuracy(), "not C, one vote");
    assertEquals(1, Evaluator.vote(List.of(0, 1, 2, 3, 4), votes, 3));
  }

  /** Equal votes and equal score sums: the class listed first, whatever the order of the frames. */
  @Test
  void anExactTieGoesToTheFirstClassInEitherFrameOrder() {
    assertEquals(0, Evaluator.vote(List.of(0, 1), new double[][] {abc(1, 0, 0), abc(0, 1, 0)}, 3));
    assertEquals(0, Evaluator.vote(List.of(0, 1), new double[][] {abc(0, 1, 0), abc(1, 0, 0)}, 3));
    assertEquals(
        1,
        Evaluator.vote(List.of(0, 1), new double[][] {abc(0, 1, 0), abc(0, 0, 1)}, 3),
        "B before C; A had no vote");
  }

  /** A frame whose top scores are equal predicts the first of those classes. */
  @Test
  void equalTopScoresPredictTheFirstClass() {
    assertEquals(0, Evaluator.argmax(abc(0.5, 0.5, 0)));
    assertEquals(1, Evaluator.argmax(abc(0, 0.5, 0.5)));
    assertEquals(2, Evaluator.argmax(abc(-3, -2, -1)), "all negative: the highest");
    SplitEvaluation e = oneSequence(0, abc(0.5, 0.5, 0));
    assertEquals(1.0, e.imageAccuracy());
  }

  /** Sequences vote on their own: a sequence's frames never vote for another sequence. */
  @Test
  void eachSequenceVotesOnItsOwnFrames() {
    double[][] scores = {abc(1, 0, 0), abc(0, 1, 0), abc(0, 1, 0), abc(0, 0, 1), abc(0, 0, 1)};
    int[] labels = {0, 0, 0, 2, 2};
    List<String> sequences = List.of("a", "a", "a", "c", "c");
    SplitEvaluation e = Evaluator.evaluate("T1", scores, labels, sequences, 3);
    assertEquals(3.0 / 5, e.imageAccuracy(), 1e-12);
    assertEquals(0.5, e.sequenceAccuracy(), "a votes B (2 to 1), c votes C");
    assertArrayEquals(new int[] {0, 1, 0}, e.sequenceConfusion()[0]);
    assertArrayEquals(new int[] {0, 0, 1}, e.sequenceConfusion()[2]);
  }

  @Test
  void refusesScoresOfAnotherLengthAndNegativeVoteFrames() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () ->
            Evaluator.evaluate(
                "T1", new double[][] {abc(1, 0, 0)}, new int[] {0, 0}, List.of("a", "a"), 3));
    List<ManifestRow> rows = List.of(new ManifestRow(2, "a.png", "A", "a", "T1", 0, null, null));
    TestSet test = TestSet.of("T1", rows, CLASSES);
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> Evaluator.evaluate(test, new double[][] {predicts(0)}, 2, -1));
  }
}
