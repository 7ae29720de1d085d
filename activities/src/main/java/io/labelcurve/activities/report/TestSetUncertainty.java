package io.labelcurve.activities.report;

import io.labelcurve.activities.eval.SequenceOutcomes;
import io.labelcurve.activities.results.CellRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * The report's intervals that account for the test set, from the cells' per-sequence outcomes
 * ({@link ClusterBootstrap}): of each point of a curve (the mean over seeds, resampled test set),
 * of a paired difference, and of the labels a curve needs to reach a target (seeds and test set
 * resampled together). Cells written before outcomes were kept have none: their points get no
 * test-set interval, and labels-to-target falls back to resampling seeds only, said so.
 */
final class TestSetUncertainty {
  /** Seeds the seed resampling of labels-to-target is drawn from. */
  private static final long REACH_SEED = 0x1abe1c0e7eL;

  private final Map<String, CellRecord> cells = new HashMap<>();
  private final Map<String, ClusterBootstrap> draws = new HashMap<>();
  private final Map<String, double[]> memo = new HashMap<>();

  TestSetUncertainty(List<CellRecord> records) {
    records.forEach(c -> cells.put(c.cell(), c));
  }

  /** A labels-to-target interval; a bound is +∞ where replicates do not reach the target. */
  record Reach(double low, double high, boolean withTestSet) {}

  /** The replicates of one cell's accuracy on a split and level, when it kept its outcomes. */
  Optional<double[]> replicates(String cell, String split, String level) {
    String key = cell + "|" + split + "|" + level;
    if (memo.containsKey(key)) {
      return Optional.ofNullable(memo.get(key));
    }
    double[] r = null;
    CellRecord c = cells.get(cell);
    Optional<SequenceOutcomes> o = c == null ? Optional.empty() : c.outcomesOf(split);
    if (o.isPresent() && o.get().sequences() > 0) {
      SequenceOutcomes out = o.get();
      ClusterBootstrap d =
          draws.computeIfAbsent(
              split + "|" + out.sequencesDigest(),
              k -> ClusterBootstrap.of(split, out.sequencesDigest(), out.sequences()));
      r = d.replicates(out, "sequence".equals(level));
    }
    memo.put(key, r);
    return Optional.ofNullable(r);
  }

  /** The mean over the point's seeds in every replicate; empty unless every seed has outcomes. */
  Optional<double[]> meanReplicates(Curves.Panel panel, Curves.Point p) {
    return meanReplicates(panel, p, List.copyOf(p.cellBySeed().keySet()));
  }

  private Optional<double[]> meanReplicates(
      Curves.Panel panel, Curves.Point p, List<Integer> seeds) {
    double[] sum = null;
    for (int seed : seeds) {
      Optional<double[]> r = replicates(p.cellBySeed().get(seed), panel.split(), panel.level());
      if (r.isEmpty()) {
        return Optional.empty();
      }
      if (sum == null) {
        sum = new double[r.get().length];
      }
      for (int b = 0; b < sum.length; b++) {
        sum[b] += r.get()[b] / seeds.size();
      }
    }
    return Optional.ofNullable(sum);
  }

  /** The 95% test-set interval of a point's mean accuracy, when its cells kept outcomes. */
  Optional<double[]> pointInterval(Curves.Panel panel, Curves.Point p) {
    return meanReplicates(panel, p).map(ClusterBootstrap::interval95);
  }

  /** The 95% test-set interval of the mean difference a − b over common seeds. */
  Optional<double[]> differenceInterval(
      Curves.Panel panel, Curves.Point a, Curves.Point b, List<Integer> seeds) {
    Optional<double[]> ra = meanReplicates(panel, a, seeds);
    Optional<double[]> rb = meanReplicates(panel, b, seeds);
    if (ra.isEmpty() || rb.isEmpty() || ra.get().length != rb.get().length) {
      return Optional.empty();
    }
    double[] d = new double[ra.get().length];
    for (int i = 0; i < d.length; i++) {
      d[i] = ra.get()[i] - rb.get()[i];
    }
    return Optional.of(ClusterBootstrap.interval95(d));
  }

  /**
   * The 95% interval of the labels a curve needs to reach {@code target}: in each replicate the
   * seeds are drawn with replacement (the same seeds at every size: a seed's subsets are nested)
   * and, where every cell kept outcomes, the test set is resampled too; the replicate's mean curve
   * is interpolated as {@link Statistics#labelsToReach}. Empty with one seed and no outcomes
   * (nothing to resample).
   */
  Optional<Reach> reachInterval(Curves.Curve c, double target) {
    List<Curves.Point> pts = c.points();
    TreeSet<Integer> all = new TreeSet<>();
    pts.forEach(p -> all.addAll(p.bySeed().keySet()));
    List<Integer> seeds = List.copyOf(all);
    List<double[][]> perPoint = new ArrayList<>(); // [seed index][replicate] or null
    boolean testSet = true;
    for (Curves.Point p : pts) {
      double[][] bySeed = new double[seeds.size()][];
      for (int s = 0; s < seeds.size(); s++) {
        String cell = p.cellBySeed().get(seeds.get(s));
        if (cell != null) {
          Optional<double[]> r = replicates(cell, c.panel().split(), c.panel().level());
          testSet &= r.isPresent();
          bySeed[s] = r.orElse(null);
        }
      }
      perPoint.add(bySeed);
    }
    if (seeds.size() < 2 && !testSet) {
      return Optional.empty();
    }
    int replicates = ClusterBootstrap.REPLICATES;
    SplittableRandom random = new SplittableRandom(REACH_SEED);
    double[] xs = c.xs();
    double[] reached = new double[replicates];
    int[] picked = new int[seeds.size()];
    for (int b = 0; b < replicates; b++) {
      for (int i = 0; i < picked.length; i++) {
        picked[i] = seeds.size() < 2 ? i : random.nextInt(seeds.size());
      }
      double[] ys = new double[pts.size()];
      for (int k = 0; k < pts.size(); k++) {
        ys[k] = replicateMean(pts.get(k), seeds, perPoint.get(k), picked, testSet ? b : -1);
      }
      OptionalDouble x = Statistics.labelsToReach(xs, ys, target);
      reached[b] = x.isPresent() ? x.getAsDouble() : Double.POSITIVE_INFINITY;
    }
    double[] ci = ClusterBootstrap.interval95(reached);
    return Optional.of(new Reach(ci[0], ci[1], testSet));
  }

  /**
   * A point's mean over the picked seeds it has (all its seeds when it has none of them), each
   * seed's accuracy in test-set replicate b, or as measured when b < 0.
   */
  private static double replicateMean(
      Curves.Point p, List<Integer> seeds, double[][] reps, int[] picked, int b) {
    double sum = 0;
    int n = 0;
    for (int s : picked) {
      Double acc = p.bySeed().get(seeds.get(s));
      if (acc != null) {
        sum += b >= 0 ? reps[s][b] : acc;
        n++;
      }
    }
    if (n == 0) {
      for (int s = 0; s < seeds.size(); s++) {
        Double acc = p.bySeed().get(seeds.get(s));
        if (acc != null) {
          sum += b >= 0 ? reps[s][b] : acc;
          n++;
        }
      }
    }
    return sum / n;
  }
}
