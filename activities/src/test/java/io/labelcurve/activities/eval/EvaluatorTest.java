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
}
