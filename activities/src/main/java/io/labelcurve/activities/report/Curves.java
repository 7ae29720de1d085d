package io.labelcurve.activities.report;

import io.labelcurve.activities.results.ResultsCsv;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The learning curves of a sweep: for each panel (adaptation × sampling × test split × level) and
 * model, accuracy against the labelled training data, one point per size with the seeds'
 * accuracies, their mean and its 95% t interval. The x of image sampling is the images trained on
 * (augmented variants included); of sequence sampling, sequences per class (the paper's Figures 2
 * and 4).
 */
public final class Curves {
  private Curves() {}

  /** One panel of Figures 1–4. */
  public record Panel(String adaptation, String sampling, String split, String level) {
    public String xLabel() {
      return "sequence".equals(sampling)
          ? "sequences per class (log2)"
          : "labelled training images, augmented variants included (log2)";
    }

    public String title() {
      return adaptation + ", " + sampling + " sampling: " + split + ", " + level + " level";
    }
  }

  /**
   * One size of one curve: {@code bySeed} maps seed → accuracy, {@code cellBySeed} seed → the cell
   * that measured it.
   */
  public record Point(
      double x,
      int size,
      Map<Integer, Double> bySeed,
      Statistics.Mean mean,
      Map<Integer, String> cellBySeed) {}

  public record Curve(Panel panel, String model, List<Point> points) {
    public double[] xs() {
      return points.stream().mapToDouble(Point::x).toArray();
    }

    public double[] means() {
      return points.stream().mapToDouble(p -> p.mean().mean()).toArray();
    }
  }

  /** x of a row on its curve. */
  static double x(ResultsCsv.Row r) {
    if ("sequence".equals(r.sampling())) {
      return r.perClass() != null ? r.perClass() : r.size();
    }
    return r.trainImages();
  }

  /** Panels in a stable order, each with its curves (models sorted). */
  public static Map<Panel, List<Curve>> of(List<ResultsCsv.Row> rows) {
    Map<Panel, Map<String, Map<Double, List<ResultsCsv.Row>>>> grouped =
        new TreeMap<>(
            java.util.Comparator.comparing(Panel::adaptation)
                .thenComparing(Panel::sampling)
                .thenComparing(Panel::split)
                .thenComparing(Panel::level));
    for (ResultsCsv.Row r : rows) {
      grouped
          .computeIfAbsent(
              new Panel(r.adaptation(), r.sampling(), r.testSplit(), r.level()),
              k -> new TreeMap<>())
          .computeIfAbsent(r.model(), k -> new TreeMap<>())
          .computeIfAbsent(x(r), k -> new ArrayList<>())
          .add(r);
    }
    Map<Panel, List<Curve>> out = new LinkedHashMap<>();
    grouped.forEach(
        (panel, byModel) -> {
          List<Curve> curves = new ArrayList<>();
          byModel.forEach(
              (model, byX) -> {
                List<Point> points = new ArrayList<>();
                byX.forEach(
                    (x, rs) -> {
                      Map<Integer, Double> bySeed =
                          rs.stream()
                              .collect(
                                  Collectors.toMap(
                                      ResultsCsv.Row::seed,
                                      ResultsCsv.Row::accuracy,
                                      (a, b) -> a,
                                      TreeMap::new));
                      double[] acc =
                          bySeed.values().stream().mapToDouble(Double::doubleValue).toArray();
                      Map<Integer, String> cells =
                          rs.stream()
                              .collect(
                                  Collectors.toMap(
                                      ResultsCsv.Row::seed,
                                      ResultsCsv.Row::cell,
                                      (a, b) -> a,
                                      TreeMap::new));
                      points.add(
                          new Point(x, rs.get(0).size(), bySeed, Statistics.mean(acc), cells));
                    });
                curves.add(new Curve(panel, model, points));
              });
          out.put(panel, curves);
        });
    return out;
  }

  /** The curves on the x values both have, for comparing two models. */
  static double[][] common(Curve a, Curve b) {
    List<double[]> rows = new ArrayList<>();
    for (Point pa : a.points()) {
      for (Point pb : b.points()) {
        if (Objects.equals(pa.x(), pb.x())) {
          rows.add(new double[] {pa.x(), pa.mean().mean(), pb.mean().mean()});
        }
      }
    }
    double[][] out = new double[3][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      for (int j = 0; j < 3; j++) {
        out[j][i] = rows.get(i)[j];
      }
    }
    return out;
  }
}
