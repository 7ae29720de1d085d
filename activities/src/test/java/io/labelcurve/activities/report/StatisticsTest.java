package io.labelcurve.activities.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Statistics against SciPy: {@code src/test/resources/report/make_fixtures.py} made the fixtures.
 */
class StatisticsTest {
  private static JsonNode fixtures;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in =
        StatisticsTest.class.getResourceAsStream("/report/statistics-fixtures.json")) {
      fixtures = new ObjectMapper().readTree(in);
    }
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
  }

  @Test
  void meanAndT95IntervalMatchScipy() {
    assertTrue(fixtures.get("means").size() >= 5);
    for (JsonNode c : fixtures.get("means")) {
      Statistics.Mean m = Statistics.mean(doubles(c.get("values")));
      String what = c.get("values").toString();
      assertEquals(c.get("n").asInt(), m.n(), what);
      assertEquals(c.get("mean").asDouble(), m.mean(), 1e-12, what);
      assertEquals(c.get("sd").asDouble(), m.sd(), 1e-12, what);
      assertEquals(c.get("t975").asDouble(), Statistics.t975(m.n() - 1), 1e-6, what);
      assertEquals(c.get("low").asDouble(), m.low(), 1e-7, what);
      assertEquals(c.get("high").asDouble(), m.high(), 1e-7, what);
    }
  }

  @Test
  void oneSeedHasNoInterval() {
    Statistics.Mean m = Statistics.mean(new double[] {0.8});
    assertEquals(0.8, m.mean());
    assertFalse(m.hasInterval());
  }

  @Test
  void pairedTTestMatchesScipyTtestRel() {
    for (JsonNode c : fixtures.get("paired")) {
      Statistics.Paired p = Statistics.paired(doubles(c.get("a")), doubles(c.get("b")));
      String what = c.get("a") + " vs " + c.get("b");
      assertEquals(c.get("t").asDouble(), p.t(), 1e-9, what);
      assertEquals(c.get("df").asDouble(), p.df(), 0, what);
      assertEquals(c.get("p").asDouble(), p.p(), 1e-6, what);
      assertEquals(c.get("mean_diff").asDouble(), p.meanDiff(), 1e-12, what);
      assertEquals(c.get("low").asDouble(), p.low(), 1e-7, what);
      assertEquals(c.get("high").asDouble(), p.high(), 1e-7, what);
      assertEquals(c.get("cohen_dz").asDouble(), p.cohenDz(), 1e-9, what);
    }
  }

  @Test
  void pairedWithConstantDifferencesHasNoPValue() {
    Statistics.Paired p = Statistics.paired(new double[] {0.5, 0.6}, new double[] {0.4, 0.5});
    assertEquals(0.1, p.meanDiff(), 1e-12);
    assertTrue(Double.isNaN(p.p()));
  }

  @Test
  void labelsToReachInterpolatesInLog2LikeNumpy() {
    for (JsonNode c : fixtures.get("reach")) {
      OptionalDouble got =
          Statistics.labelsToReach(
              doubles(c.get("x")), doubles(c.get("y")), c.get("target").asDouble());
      String what = c.toString();
      if (c.get("reached").isNull()) {
        assertTrue(got.isEmpty(), what);
      } else {
        assertEquals(c.get("reached").asDouble(), got.orElseThrow(), 1e-9, what);
      }
    }
  }

  @Test
  void holmMatchesStatsmodelsMultipletests() throws IOException {
    JsonNode holm;
    try (InputStream in =
        StatisticsTest.class.getResourceAsStream("/report/bootstrap-fixtures.json")) {
      holm = new ObjectMapper().readTree(in).get("holm");
    }
    assertTrue(holm.size() >= 5);
    for (JsonNode c : holm) {
      double[] got = Statistics.holm(doubles(c.get("p")));
      double[] want = doubles(c.get("adjusted"));
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], got[i], 1e-12, c.toString());
      }
    }
  }

  @Test
  void holmLeavesUntestedPairsOutOfTheFamily() {
    // Two real p-values and two pairs without a test: m is 2, not 4.
    double[] got = Statistics.holm(new double[] {0.02, Double.NaN, 0.04, Double.NaN});
    assertEquals(0.04, got[0], 1e-12);
    assertEquals(0.04, got[2], 1e-12);
    assertTrue(Double.isNaN(got[1]) && Double.isNaN(got[3]));
  }

  @Test
  void quantileInterpolatesLikeNumpyAndKeepsInfinity() {
    // numpy.percentile([1, 2, 3, 4], [2.5, 97.5]) = [1.075, 3.925]
    assertEquals(1.075, Statistics.quantile(new double[] {4, 2, 1, 3}, 0.025), 1e-12);
    assertEquals(3.925, Statistics.quantile(new double[] {4, 2, 1, 3}, 0.975), 1e-12);
    assertEquals(
        Double.POSITIVE_INFINITY,
        Statistics.quantile(new double[] {1, 2, 3, Double.POSITIVE_INFINITY}, 0.975));
    assertEquals(
        1.075, Statistics.quantile(new double[] {1, 2, 3, Double.POSITIVE_INFINITY}, 0.025), 1e-12);
  }

  @Test
  void crossingsMatchScipyRootFinding() {
    for (JsonNode c : fixtures.get("crossings")) {
      List<Statistics.Crossing> got =
          Statistics.crossings(doubles(c.get("x")), doubles(c.get("a")), doubles(c.get("b")));
      JsonNode want = c.get("crossings");
      assertEquals(want.size(), got.size(), c.toString());
      for (int i = 0; i < want.size(); i++) {
        assertEquals(want.get(i).get("x").asDouble(), got.get(i).x(), 1e-6, c.toString());
        assertEquals(
            want.get(i).get("a_overtakes").asBoolean(), got.get(i).aOvertakes(), c.toString());
      }
    }
  }
}
