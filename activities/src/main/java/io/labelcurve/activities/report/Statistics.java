package io.labelcurve.activities.report;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import smile.stat.distribution.TDistribution;
import smile.stat.hypothesis.TTest;

/**
 * The report's statistics: mean and t-based 95% confidence interval across seeds, the paired t-test
 * of two models on the same subsets, and the log2 interpolation of a learning curve (labels needed
 * to reach a target; sizes where two curves cross). Checked against SciPy in {@code StatisticsTest}
 * (fixtures made by {@code src/test/resources/report/make_fixtures.py}).
 */
public final class Statistics {
  private Statistics() {}

  /**
   * Mean of a sample with the half-width of its two-sided 95% t interval ({@code t(0.975, n-1) · s
   * / √n}); NaN half-width for fewer than 2 values.
   */
  public record Mean(int n, double mean, double sd, double halfWidth) {
    public double low() {
      return mean - halfWidth;
    }

    public double high() {
      return mean + halfWidth;
    }

    public boolean hasInterval() {
      return n >= 2 && !Double.isNaN(halfWidth);
    }
  }

  /**
   * A paired comparison of a and b on the same subsets (a[i] and b[i] share a seed).
   *
   * @param n pairs
   * @param meanDiff mean of a − b
   * @param low lower end of the 95% t interval of the mean difference
   * @param high upper end
   * @param t t statistic (NaN when the differences have no variance)
   * @param df degrees of freedom, n − 1
   * @param p two-sided p-value (NaN when undefined: fewer than 2 pairs or constant differences)
   * @param cohenDz standardized effect: mean difference / sd of differences
   */
  public record Paired(
      int n,
      double meanDiff,
      double low,
      double high,
      double t,
      double df,
      double p,
      double cohenDz) {}

  /** Where curve a crosses curve b: a is above b after {@code x} when {@code aOvertakes}. */
  public record Crossing(double x, boolean aOvertakes) {}

  /** Two-sided 95% quantile of Student's t with df degrees of freedom. */
  public static double t975(int df) {
    return new TDistribution(df).quantile(0.975);
  }

  public static Mean mean(double[] xs) {
    int n = xs.length;
    if (n == 0) {
      return new Mean(0, Double.NaN, Double.NaN, Double.NaN);
    }
    double sum = 0;
    for (double x : xs) {
      sum += x;
    }
    double mean = sum / n;
    if (n == 1) {
      return new Mean(1, mean, Double.NaN, Double.NaN);
    }
    double ss = 0;
    for (double x : xs) {
      ss += (x - mean) * (x - mean);
    }
    double sd = Math.sqrt(ss / (n - 1));
    return new Mean(n, mean, sd, t975(n - 1) * sd / Math.sqrt(n));
  }

  /**
   * Paired t-test of a against b (Smile's {@code TTest.testPaired}), with the interval and effect.
   */
  public static Paired paired(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "paired samples differ in length: " + a.length + " and " + b.length);
    }
    double[] d = new double[a.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = a[i] - b[i];
    }
    Mean m = mean(d);
    int n = d.length;
    // Accuracies are fractions k/n: differences equal on every seed leave only rounding noise,
    // which would make t astronomically large (and Smile's incomplete beta fail to converge).
    if (n < 2 || m.sd() <= 1e-12 * Math.max(1, Math.abs(m.mean()))) {
      return new Paired(n, m.mean(), m.low(), m.high(), Double.NaN, n - 1, Double.NaN, Double.NaN);
    }
    TTest test = TTest.testPaired(a, b);
    return new Paired(
        n, m.mean(), m.low(), m.high(), test.t, test.df, test.pvalue, m.mean() / m.sd());
  }

  /**
   * The smallest x at which a rising curve first reaches {@code target}, interpolating linearly in
   * log2(x) between the two points around the first crossing; empty when no point reaches it. When
   * the first point already reaches it, that point's x (the curve says no less is needed only down
   * to there).
   *
   * @param x sizes, strictly increasing and positive
   * @param y accuracies at those sizes
   */
  public static OptionalDouble labelsToReach(double[] x, double[] y, double target) {
    for (int i = 0; i < x.length; i++) {
      if (y[i] >= target) {
        if (i == 0) {
          return OptionalDouble.of(x[0]);
        }
        double l0 = log2(x[i - 1]);
        double l1 = log2(x[i]);
        double f = (target - y[i - 1]) / (y[i] - y[i - 1]);
        return OptionalDouble.of(Math.pow(2, l0 + f * (l1 - l0)));
      }
    }
    return OptionalDouble.empty();
  }

  /**
   * Every size at which curve a and curve b (on the same x) cross, interpolated in log2(x): where a
   * − b changes sign between two points, or touches 0 at a point between opposite signs.
   */
  public static List<Crossing> crossings(double[] x, double[] a, double[] b) {
    List<Crossing> out = new ArrayList<>();
    int prev = -1;
    for (int i = 0; i < x.length; i++) {
      double d = a[i] - b[i];
      if (d == 0 || Double.isNaN(d)) {
        continue;
      }
      if (prev >= 0) {
        double dp = a[prev] - b[prev];
        if (Math.signum(dp) != Math.signum(d)) {
          double l0 = log2(x[prev]);
          double l1 = log2(x[i]);
          double f = dp / (dp - d);
          out.add(new Crossing(Math.pow(2, l0 + f * (l1 - l0)), d > 0));
        }
      }
      prev = i;
    }
    return out;
  }

  /**
   * Holm's step-down adjustment of p-values for the family given (Holm 1979), as statsmodels'
   * {@code multipletests(method="holm")}: sorted ascending, {@code p(i)·(m − i)} (i from 0), made
   * monotone by a running maximum and capped at 1. NaN p-values (no test) are not part of the
   * family and stay NaN. Rejecting where the adjusted p is below α controls the family-wise error
   * rate at α.
   */
  public static double[] holm(double[] p) {
    double[] out = new double[p.length];
    java.util.Arrays.fill(out, Double.NaN);
    Integer[] order =
        java.util.stream.IntStream.range(0, p.length)
            .filter(i -> !Double.isNaN(p[i]))
            .boxed()
            .sorted(java.util.Comparator.comparingDouble(i -> p[i]))
            .toArray(Integer[]::new);
    int m = order.length;
    double running = 0;
    for (int i = 0; i < m; i++) {
      running = Math.max(running, Math.min(1, p[order[i]] * (m - i)));
      out[order[i]] = running;
    }
    return out;
  }

  /**
   * The q-quantile of values by linear interpolation between order statistics (NumPy's default,
   * "type 7"); +∞ sorts last, and a quantile touching it is +∞. {@code values} is sorted in place.
   */
  public static double quantile(double[] values, double q) {
    java.util.Arrays.sort(values);
    if (values.length == 0) {
      return Double.NaN;
    }
    double h = (values.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(values.length - 1, lo + 1);
    double f = h - lo;
    if (Double.isInfinite(values[hi]) && f > 0 || Double.isInfinite(values[lo])) {
      return Double.POSITIVE_INFINITY;
    }
    return values[lo] + f * (values[hi] - values[lo]);
  }

  static double log2(double v) {
    return Math.log(v) / Math.log(2);
  }
}
