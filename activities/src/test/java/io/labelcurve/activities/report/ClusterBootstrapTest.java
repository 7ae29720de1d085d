package io.labelcurve.activities.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.eval.SequenceOutcomes;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sequence-clustered bootstrap against statsmodels' cluster-robust standard error and a NumPy
 * bootstrap of the same data ({@code src/test/python/make_bootstrap_fixtures.py}). Both are Monte
 * Carlo estimates from other random draws: they agree within the resampling error of 2,000
 * replicates (standard error of a standard deviation ≈ 1.6 %, of a 2.5 % quantile ≈ 0.2 points
 * here), with tolerances of about four such errors.
 */
class ClusterBootstrapTest {
  private static JsonNode fixture;
  private static List<SequenceOutcomes> seeds;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in =
        ClusterBootstrapTest.class.getResourceAsStream("/report/bootstrap-fixtures.json")) {
      fixture = new ObjectMapper().readTree(in).get("clustered");
    }
    int[] frames = ints(fixture.get("frames"));
    seeds = new ArrayList<>();
    for (JsonNode s : fixture.get("seeds")) {
      int[] correct = ints(s.get("correct"));
      int[] vote = ints(s.get("vote_correct"));
      int[] voters = frames.clone();
      seeds.add(new SequenceOutcomes("T1", "fixture", frames, correct, vote, voters));
    }
  }

  private static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  private static double sd(double[] x) {
    double m = 0;
    for (double v : x) {
      m += v / x.length;
    }
    double ss = 0;
    for (double v : x) {
      ss += (v - m) * (v - m);
    }
    return Math.sqrt(ss / (x.length - 1));
  }

  private static ClusterBootstrap draws() {
    return ClusterBootstrap.of("T1", "fixture", fixture.get("frames").size());
  }

  @Test
  void standardErrorMatchesStatsmodelsClusterRobust() {
    ClusterBootstrap b = draws();
    for (int s = 0; s < seeds.size(); s++) {
      JsonNode want = fixture.get("per_seed").get(s);
      double[] image = b.replicates(seeds.get(s), false);
      double[] sequence = b.replicates(seeds.get(s), true);
      assertEquals(ClusterBootstrap.REPLICATES, image.length);
      double se = want.get("image_cluster_se").asDouble();
      assertEquals(se, sd(image), 0.07 * se, "image level, seed " + s);
      double seqSe = want.get("sequence_se").asDouble();
      assertEquals(seqSe, sd(sequence), 0.07 * seqSe, "sequence level, seed " + s);
    }
  }

  @Test
  void clusteredSpreadIsWiderThanFramesAsIfIndependent() {
    // The fixture's frames of a sequence succeed together: treating them as independent images
    // would understate the uncertainty, which is why the bootstrap resamples sequences.
    JsonNode s0 = fixture.get("per_seed").get(0);
    double p = s0.get("image_accuracy").asDouble();
    int images = 0;
    for (JsonNode f : fixture.get("frames")) {
      images += f.asInt();
    }
    double independent = Math.sqrt(p * (1 - p) / images);
    assertTrue(sd(draws().replicates(seeds.get(0), false)) > 1.3 * independent);
  }

  @Test
  void percentileIntervalsMatchNumpyBootstrap() {
    ClusterBootstrap b = draws();
    JsonNode want = fixture.get("bootstrap");
    double[] image0 = b.replicates(seeds.get(0), false);
    double[] image1 = b.replicates(seeds.get(1), false);
    double[] image2 = b.replicates(seeds.get(2), false);
    assertArrayEquals(doubles(want.get("seed0_image")), ClusterBootstrap.interval95(image0), 0.01);
    // Sequence level moves in steps of 1/90: allow one step and a half.
    assertArrayEquals(
        doubles(want.get("seed0_sequence")),
        ClusterBootstrap.interval95(b.replicates(seeds.get(0), true)),
        1.5 / 90);
    double[] mean = new double[image0.length];
    double[] diff = new double[image0.length];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = (image0[i] + image1[i] + image2[i]) / 3;
      diff[i] = image0[i] - image1[i];
    }
    assertArrayEquals(doubles(want.get("mean_image")), ClusterBootstrap.interval95(mean), 0.01);
    assertArrayEquals(
        doubles(want.get("seed0_minus_seed1_image")), ClusterBootstrap.interval95(diff), 0.01);
  }

  @Test
  void sameSplitSameDrawsAndOtherSequencesAreRefused() {
    assertArrayEquals(
        draws().replicates(seeds.get(0), false), draws().replicates(seeds.get(0), false));
    SequenceOutcomes other =
        new SequenceOutcomes(
            "T1",
            "other",
            seeds.get(0).frames(),
            seeds.get(0).correct(),
            seeds.get(0).voteCorrect(),
            seeds.get(0).voteFrames());
    assertThrows(IllegalArgumentException.class, () -> draws().replicates(other, false));
  }

  private static double[] doubles(JsonNode a) {
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asDouble();
    }
    return out;
  }
}
