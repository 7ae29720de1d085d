package io.labelcurve.activities.report;

import static io.labelcurve.activities.report.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.labelcurve.activities.csv.Csv;
import io.labelcurve.activities.embed.LatencyBench;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.results.ResultsCsv;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.knowm.xchart.BubbleChart;
import org.knowm.xchart.XYChart;

/**
 * A sweep's report: one self-contained {@code index.html} (charts inlined as PNG data URIs, no
 * external JS or CSS), the charts as PNG and SVG, and the tables as CSV — the learning curves with
 * 95% bands (Figures 1–4 of the paper), the full-data table (Table 3), the trade-off (Figure 5),
 * labels needed to reach a target, crossings, paired comparisons, confusion matrices and
 * provenance.
 */
public final class SweepReport {
  /** Indented: people open provenance.json and read the spec in the page. */
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Accuracies the labels-to-target table asks for. */
  public static final double[] TARGETS = {0.70, 0.80, 0.90, 0.95};

  /**
   * @param index the HTML file
   * @param files every file written, index included
   * @param cells finished cells
   * @param plannedCells cells the spec plans (-1 when unknown)
   * @param partial whether the report is marked partial
   */
  public record Summary(
      Path index, List<Path> files, int cells, int plannedCells, boolean partial) {}

  private SweepReport() {}

  /**
   * Reads a sweep from the bucket and writes its report into {@code outDir}. The report is marked
   * partial when {@code partial} is set or when the sweep has no {@code results.csv} yet or fewer
   * cells than its plan.
   */
  public static Summary write(BlobStore store, String sweepId, Path outDir, boolean partial)
      throws IOException {
    ReportData data = ReportData.read(store, sweepId);
    return write(data, store, outDir, partial || data.incomplete());
  }

  static Summary write(ReportData data, BlobStore store, Path outDir, boolean partial)
      throws IOException {
    Files.createDirectories(outDir);
    List<Path> files = new ArrayList<>();
    // The paper's baseline curve in the linear-probe panels; random features labelled as such.
    List<ResultsCsv.Row> curveRows = BaselineCurves.rows(data);
    List<String> models = BaselineCurves.labels(models(data), curveRows);
    Map<Curves.Panel, List<Curves.Curve>> panels = Curves.of(curveRows);
    TestSetUncertainty uncertainty = new TestSetUncertainty(data.cells());
    StringBuilder body = new StringBuilder();

    body.append(statusBanner(data, partial));
    files.addAll(learningCurves(data, panels, models, uncertainty, outDir, body));

    Map<String, List<ResultsCsv.Row>> full = fullData(data);
    List<String> splits =
        data.rows().stream().map(ResultsCsv.Row::testSplit).distinct().sorted().toList();
    body.append(fullDataHeading(data));
    if (full.isEmpty()) {
      body.append("<p class=\"na\">No full-data cell has finished yet.</p>\n");
    } else {
      files.add(fullDataTable(data, full, splits, uncertainty, outDir, body));
      files.addAll(tradeoff(data, store, full, splits, models, outDir, body));
    }
    files.addAll(labelsToTargetAndCrossings(panels, uncertainty, outDir, body));
    files.add(pairedComparisons(panels, uncertainty, outDir, body));

    body.append(
        "<h2 id=\"confusion\">Confusion matrices (full training data)</h2>\n<p>Rows: true class;"
            + " columns: predicted; summed over seeds.</p>\n");
    files.add(confusion(data, full, outDir, body));

    body.append("<h2 id=\"provenance\">Provenance</h2>\n");
    files.add(provenance(data, store, outDir, body));

    Path index = outDir.resolve("index.html");
    Files.writeString(index, page(data, partial, models, body), StandardCharsets.UTF_8);
    files.add(0, index);
    return new Summary(
        index, List.copyOf(files), data.cells().size(), data.plannedCells(), partial);
  }

  /** Complete, or partial and why: the first thing on the page. */
  private static String statusBanner(ReportData data, boolean partial) {
    StringBuilder body = new StringBuilder();
    String status =
        String.format(
            Locale.ROOT,
            "%d of %s planned cells finished",
            data.cells().size(),
            data.plannedCells() >= 0 ? String.valueOf(data.plannedCells()) : "?");
    if (partial) {
      body.append("<div class=\"partial\" id=\"partial\">PARTIAL RESULTS: ")
          .append(esc(status))
          .append(data.resultsCsvPresent() ? "" : "; the sweep has not written results.csv yet")
          .append(". Curves, tables and tests below cover only the finished cells.</div>\n");
    } else {
      body.append("<div class=\"complete\">Complete: ").append(esc(status)).append(".</div>\n");
    }

    return body.toString();
  }

  /**
   * Figures 1–4: one figure of panels per adaptation × sampling, written as PNG and SVG and
   * inlined, and curves.csv with every point's seed and test-set intervals.
   *
   * @return the files written
   */
  private static List<Path> learningCurves(
      ReportData data,
      Map<Curves.Panel, List<Curves.Curve>> panels,
      List<String> models,
      TestSetUncertainty uncertainty,
      Path outDir,
      StringBuilder body)
      throws IOException {
    List<Path> files = new ArrayList<>();
    body.append(
        "<h2 id=\"curves\">Learning curves</h2>\n<p>Accuracy against labelled training data on a"
            + " log2 axis, one line per model. With several seeds the line is the mean and the shaded band"
            + " its t-based 95% confidence interval (the seeds: which subset was drawn); sequence sampling"
            + " counts sequences per class (all frames and augmented variants of each). curves.csv gives"
            + " next to it the test-set interval: a sequence-clustered bootstrap of the test split ("
            + ClusterBootstrap.REPLICATES
            + " resamples of its sequences, percentile interval), i.e. how"
            + " much the number would move on another test set like this one.</p>\n"
            + methods(data));
    Map<String, Map<Curves.Panel, List<Curves.Curve>>> byFigure = new LinkedHashMap<>();
    panels.forEach(
        (p, c) ->
            byFigure
                .computeIfAbsent(p.adaptation() + "|" + p.sampling(), k -> new LinkedHashMap<>())
                .put(p, c));
    List<List<String>> csvRows = new ArrayList<>();
    for (Map<Curves.Panel, List<Curves.Curve>> figure : byFigure.values()) {
      Curves.Panel first = figure.keySet().iterator().next();
      String base = "curves-" + slug(first.adaptation()) + "-" + slug(first.sampling());
      // Panels ordered split by split, image level then sequence level, two to a row.
      List<XYChart> charts = Charts.curvePanels(figure, models);
      String title = first.adaptation() + ", " + first.sampling() + " sampling";
      Charts.writePanels(title, charts, 2, outDir, base);
      files.add(outDir.resolve(base + ".png"));
      files.add(outDir.resolve(base + ".svg"));
      body.append(
          figure(
              outDir,
              base,
              title
                  + ": accuracy against "
                  + (first.sampling().equals("sequence")
                      ? "sequences per class"
                      : "training images")
                  + " per test split and level ("
                  + seedsText(figure)
                  + ")"));
      figure.forEach(
          (p, curves) ->
              curves.forEach(
                  c ->
                      c.points()
                          .forEach(
                              pt -> {
                                Optional<double[]> test = uncertainty.pointInterval(p, pt);
                                csvRows.add(
                                    List.of(
                                        p.adaptation(),
                                        p.sampling(),
                                        p.split(),
                                        p.level(),
                                        c.model(),
                                        num(pt.x()),
                                        String.valueOf(pt.size()),
                                        String.valueOf(pt.mean().n()),
                                        pct(pt.mean().mean()),
                                        pt.mean().hasInterval() ? pct(pt.mean().low()) : "",
                                        pt.mean().hasInterval() ? pct(pt.mean().high()) : "",
                                        test.map(ci -> pct(ci[0])).orElse(""),
                                        test.map(ci -> pct(ci[1])).orElse("")));
                              })));
    }
    files.add(
        csv(
            outDir,
            "curves.csv",
            List.of(
                "adaptation",
                "sampling",
                "test_split",
                "level",
                "model",
                "x",
                "size",
                "seeds",
                "mean_accuracy_pct",
                "ci95_low_pct",
                "ci95_high_pct",
                "test_ci95_low_pct",
                "test_ci95_high_pct"),
            csvRows));

    return files;
  }

  /**
   * Table 3: accuracy per model and adaptation on the most training data it has, with seed and
   * test-set intervals; full-data.csv.
   */
  private static Path fullDataTable(
      ReportData data,
      Map<String, List<ResultsCsv.Row>> full,
      List<String> splits,
      TestSetUncertainty uncertainty,
      Path outDir,
      StringBuilder body)
      throws IOException {
    List<String> levels = List.of("image", "sequence");
    List<String> header =
        new ArrayList<>(
            List.of("model", "adaptation", "training images", "training data", "seeds"));
    splits.forEach(s -> levels.forEach(l -> header.add(s + " " + l)));
    header.addAll(List.of("inference ms/image", "parameters"));
    List<List<String>> html = new ArrayList<>();
    List<List<String>> rowsCsv = new ArrayList<>();
    full.forEach(
        (key, rs) -> {
          List<String> h = new ArrayList<>();
          List<String> c = new ArrayList<>();
          List<String> testCsv = new ArrayList<>();
          ResultsCsv.Row r0 = rs.get(0);
          int seeds = (int) rs.stream().map(ResultsCsv.Row::seed).distinct().count();
          Stream.of(
                  r0.model(),
                  r0.adaptation(),
                  String.valueOf(r0.trainImages()),
                  trainingData(data, r0),
                  String.valueOf(seeds))
              .forEach(
                  v -> {
                    h.add(esc(v));
                    c.add(v);
                  });
          for (String s : splits) {
            for (String l : levels) {
              List<ResultsCsv.Row> cellRows =
                  rs.stream().filter(r -> r.testSplit().equals(s) && r.level().equals(l)).toList();
              double[] acc = cellRows.stream().mapToDouble(ResultsCsv.Row::accuracy).toArray();
              Statistics.Mean m = Statistics.mean(acc);
              Optional<double[]> test = testInterval(uncertainty, cellRows, s, l);
              h.add(
                  acc.length == 0
                      ? "–"
                      : pct(m.mean())
                          + "%"
                          + (m.hasInterval() ? " ± " + pct(m.halfWidth()) : "")
                          + test.map(
                                  ci ->
                                      " <span class=\"small\">(test "
                                          + pct(ci[0])
                                          + "–"
                                          + pct(ci[1])
                                          + ")</span>")
                              .orElse(""));
              c.add(acc.length == 0 ? "" : pct(m.mean()));
              testCsv.add(test.map(ci -> pct(ci[0]) + "–" + pct(ci[1])).orElse(""));
            }
          }
          double ms =
              rs.stream().mapToDouble(ResultsCsv.Row::inferMsPerImage).average().orElse(Double.NaN);
          h.add(String.format(Locale.ROOT, "%.2f", ms));
          c.add(String.format(Locale.ROOT, "%.4f", ms));
          h.add(String.format(Locale.ROOT, "%.1fM", r0.params() / 1e6));
          c.add(String.valueOf(r0.params()));
          c.addAll(testCsv);
          html.add(h);
          rowsCsv.add(c);
        });
    body.append(
        "<p>Accuracy per model and adaptation on the most training data it has, per test"
            + " split, at image level and at sequence level (majority vote); ± is the 95% half-width"
            + " across seeds, “test” the 95% sequence-clustered bootstrap interval of the test split"
            + " (absent for cells recorded before per-sequence outcomes were kept: no test-set"
            + " interval). The column “training data” says whether that is the whole training pool"
            + " or only the largest size the sweep ran.</p>\n");
    body.append(Html.table(header, html, "full"));
    List<String> csvHeader =
        new ArrayList<>(
            header.stream().map(x -> x.replace(' ', '_').replace("/", "_per_")).toList());
    splits.forEach(s -> levels.forEach(l -> csvHeader.add(s + "_" + l + "_test_ci95")));
    return csv(outDir, "full-data.csv", csvHeader, rowsCsv);
  }

  /**
   * Figure 5: full-data accuracy against the encoder's measured latency and size, per test split
   * and measured batch, and the latency measurements' table (latency.csv).
   *
   * @return the files written
   */
  private static List<Path> tradeoff(
      ReportData data,
      BlobStore store,
      Map<String, List<ResultsCsv.Row>> full,
      List<String> splits,
      List<String> models,
      Path outDir,
      StringBuilder body)
      throws IOException {
    List<Path> files = new ArrayList<>();
    Map<String, LatencyBench.Result> latency = latency(data, store);
    List<Integer> batches =
        latency.values().stream()
            .flatMap(r -> r.timings().stream())
            .map(LatencyBench.Timing::batch)
            .distinct()
            .sorted()
            .toList();
    List<BubbleChart> tradeCharts = new ArrayList<>();
    boolean fallback = false;
    for (int batch : batches.isEmpty() ? List.of(-1) : batches) {
      for (String s : splits) {
        List<Charts.TradeoffPoint> pts = new ArrayList<>();
        Set<String> devices = new TreeSet<>();
        for (List<ResultsCsv.Row> rs : full.values()) {
          double[] acc =
              rs.stream()
                  .filter(r -> r.testSplit().equals(s) && r.level().equals("image"))
                  .mapToDouble(ResultsCsv.Row::accuracy)
                  .toArray();
          if (acc.length == 0) {
            continue;
          }
          ResultsCsv.Row r0 = rs.get(0);
          LatencyBench.Result measured = latency.get(r0.model());
          Optional<LatencyBench.Timing> timing =
              measured == null
                  ? Optional.empty()
                  : measured.timings().stream().filter(t -> t.batch() == batch).findFirst();
          String label = r0.model() + (adaptations(data).size() > 1 ? " " + r0.adaptation() : "");
          double ms;
          if (timing.isPresent()) {
            ms = timing.get().medianMsPerImage();
            devices.add(measured.device());
          } else {
            fallback = true;
            label += " (extraction timing)";
            ms = rs.stream().mapToDouble(ResultsCsv.Row::inferMsPerImage).average().orElse(0);
          }
          pts.add(
              new Charts.TradeoffPoint(
                  label, Statistics.mean(acc).mean(), ms, r0.params(), r0.model()));
        }
        String where =
            batch < 0
                ? "no latency measurement"
                : "batch " + batch + (devices.isEmpty() ? "" : " on " + String.join(", ", devices));
        tradeCharts.add(Charts.tradeoff(s + " · " + where, "image", pts, models, 560, 440));
      }
    }
    Charts.writePanels(
        "Accuracy, speed and size (full training data)", tradeCharts, 2, outDir, "tradeoff");
    files.add(outDir.resolve("tradeoff.png"));
    files.add(outDir.resolve("tradeoff.svg"));
    body.append("<h2 id=\"tradeoff\">Trade-off (the paper's Figure 5)</h2>\n")
        .append(
            figure(
                outDir,
                "tradeoff",
                "Image-level accuracy on full training data against"
                    + " the encoder's median inference time per image, measured on its own (warm-up, repeats)"
                    + " at batch 1 and at the worker's batch, device and batch in each panel's title; bubble"
                    + " area is proportional to the parameter count. Both adaptations share the encoder's"
                    + " measurement (the finetuned model is the same architecture; its linear head, like the"
                    + " probe's linear SVM, costs dim × classes operations per image, negligible next to it)."
                    + (fallback
                        ? " Bubbles marked “extraction timing” have no dedicated measurement: their"
                            + " time is the encoder's inside an extraction (or finetune evaluation), under"
                            + " whatever else the worker ran."
                        : "")));
    files.add(latencyTable(latency, outDir, body));
    return files;
  }

  /**
   * Labels needed to reach each of {@link #TARGETS} with bootstrap intervals, and where mean curves
   * cross (labels-to-target.csv, crossings.csv).
   *
   * @return the files written
   */
  private static List<Path> labelsToTargetAndCrossings(
      Map<Curves.Panel, List<Curves.Curve>> panels,
      TestSetUncertainty uncertainty,
      Path outDir,
      StringBuilder body)
      throws IOException {
    List<Path> files = new ArrayList<>();
    body.append(
        "<h2 id=\"decisions\">Labels needed and where models cross</h2>\n<p>From the mean"
            + " curves, interpolated linearly in log2 of the size between the two points around the"
            + " target; “≤ x” when the smallest size already reaches it, “not reached” when no size"
            + " does. The 95% interval next to it is a percentile bootstrap ("
            + ClusterBootstrap.REPLICATES
            + " replicates): each replicate draws the seeds with"
            + " replacement (the same seeds at every size) and, where the cells kept per-sequence"
            + " outcomes, resamples the test split by sequence; “&gt; x” where more than 2.5% of"
            + " replicates do not reach the target within the sizes run. “seeds only” marks curves whose"
            + " cells have no per-sequence outcomes (recorded before they were kept).</p>\n");
    List<String> th =
        new ArrayList<>(List.of("adaptation", "sampling", "test split", "level", "model"));
    for (double t : TARGETS) {
      th.add("to reach " + pct(t) + "%");
      th.add("95% interval (" + pct(t) + "%)");
    }
    List<List<String>> reachRows = new ArrayList<>();
    List<List<String>> crossRows = new ArrayList<>();
    panels.forEach(
        (p, curves) -> {
          String unit = p.sampling().equals("sequence") ? " seq/class" : " images";
          for (Curves.Curve c : curves) {
            List<String> r =
                new ArrayList<>(
                    List.of(p.adaptation(), p.sampling(), p.split(), p.level(), c.model()));
            double[] xs = c.xs();
            double[] ys = c.means();
            for (double t : TARGETS) {
              OptionalDouble x = Statistics.labelsToReach(xs, ys, t);
              r.add(
                  x.isEmpty()
                      ? "not reached"
                      : (x.getAsDouble() == xs[0] && ys[0] >= t ? "≤ " : "≈ ")
                          + num(x.getAsDouble())
                          + unit);
              r.add(uncertainty.reachInterval(c, t).map(ci -> reachText(ci, xs, unit)).orElse(""));
            }
            reachRows.add(r);
          }
          for (int i = 0; i < curves.size(); i++) {
            for (int j = i + 1; j < curves.size(); j++) {
              Curves.Curve a = curves.get(i);
              Curves.Curve b = curves.get(j);
              double[][] common = Curves.common(a, b);
              for (Statistics.Crossing x : Statistics.crossings(common[0], common[1], common[2])) {
                String winner = x.aOvertakes() ? a.model() : b.model();
                String loser = x.aOvertakes() ? b.model() : a.model();
                crossRows.add(
                    List.of(
                        p.adaptation(),
                        p.sampling(),
                        p.split(),
                        p.level(),
                        winner,
                        loser,
                        "≈ " + num(x.x()) + unit));
              }
            }
          }
        });
    body.append(Html.table(th, escape(reachRows), "reach"));
    files.add(
        csv(
            outDir,
            "labels-to-target.csv",
            th.stream().map(SweepReport::slug).toList(),
            reachRows));
    List<String> ch =
        List.of(
            "adaptation", "sampling", "test split", "level", "overtakes", "model overtaken", "at");
    body.append("<h3>Crossings</h3>\n");
    body.append(
        crossRows.isEmpty()
            ? "<p>No two mean curves cross on the sizes run: the order of the"
                + " models is the same at every size.</p>\n"
            : Html.table(ch, escape(crossRows), "cross"));
    files.add(csv(outDir, "crossings.csv", ch.stream().map(SweepReport::slug).toList(), crossRows));

    return files;
  }

  /**
   * Paired t-tests across seeds, Holm-corrected per panel, with test-set intervals (paired.csv).
   */
  private static Path pairedComparisons(
      Map<Curves.Panel, List<Curves.Curve>> panels,
      TestSetUncertainty uncertainty,
      Path outDir,
      StringBuilder body)
      throws IOException {
    List<String> ph =
        List.of(
            "adaptation",
            "sampling",
            "test split",
            "level",
            "size",
            "model A",
            "model B",
            "seeds",
            "A − B (points)",
            "95% CI",
            "t",
            "p",
            "p (Holm)",
            "Cohen's dz",
            "test-set 95% interval of A − B",
            "verdict");
    List<List<String>> pairRows = paired(panels, uncertainty);
    int verdictColumn = ph.size() - 1;
    body.append(
        "<h2 id=\"paired\">Paired comparisons across seeds</h2>\n<p>For each size, the two models"
            + " were trained on the same subsets (same seed, same sampled ids): a two-sided paired t-test"
            + " on their accuracies across seeds, its p-value corrected for multiplicity by Holm's"
            + " step-down method within each panel (the family: every pair of models at every size of"
            + " one adaptation × sampling × test split × level). A verdict “beats” needs the Holm-adjusted"
            + " p below α = 0.05 (family-wise error rate 5% per panel) and at least 2 seeds; pairs"
            + " with the same difference on every seed have no t-test and are not in the family. The"
            + " test-set interval is the paired sequence-clustered bootstrap of the mean difference"
            + " (both models resampled with the same sequences): the t-test answers “would another"
            + " training subset change the order?”, this interval “would another test set?”.</p>\n");
    body.append(
        pairRows.isEmpty()
            ? "<p class=\"na\">No size has two models with at least 2 seeds in" + " common.</p>\n"
            : Html.table(
                ph,
                pairRows.stream()
                    .map(
                        r -> {
                          List<String> e = new ArrayList<>(escape(List.of(r)).get(0));
                          if (r.get(verdictColumn).contains(" beats ")) {
                            e.set(
                                verdictColumn,
                                "<span class=\"sig\">" + esc(r.get(verdictColumn)) + "</span>");
                          }
                          return e;
                        })
                    .toList(),
                "paired"));
    return csv(outDir, "paired.csv", ph.stream().map(SweepReport::slug).toList(), pairRows);
  }

  /** The page: head, style, title line with links to the sections, and the sections. */
  private static String page(
      ReportData data, boolean partial, List<String> models, StringBuilder body) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>labelcurve report: "
        + esc(data.sweepId())
        + (partial ? " (partial)" : "")
        + "</title>"
        + "<style>"
        + Html.STYLE
        + "</style></head><body>\n"
        + "<h1>labelcurve report: "
        + esc(data.sweepId())
        + "</h1>\n"
        + "<p class=\"small\">generated "
        + Instant.now().truncatedTo(ChronoUnit.SECONDS)
        + " by labelcurve "
        + esc(Provenance.version())
        + " · models: "
        + esc(String.join(", ", models))
        + " · <a href=\"#curves\">curves</a> · <a href=\"#full\">full data</a> · <a href=\"#tradeoff\">trade-off</a>"
        + " · <a href=\"#decisions\">labels needed</a> · <a href=\"#paired\">paired tests</a>"
        + " · <a href=\"#confusion\">confusion</a> · <a href=\"#provenance\">provenance</a></p>\n"
        + body
        + "</body></html>\n";
  }

  // ----------------------------------------------------------------------------------------------

  private static List<List<String>> paired(
      Map<Curves.Panel, List<Curves.Curve>> panels, TestSetUncertainty uncertainty) {
    List<List<String>> rows = new ArrayList<>();
    panels.forEach(
        (p, curves) -> {
          List<Statistics.Paired> tests = new ArrayList<>();
          List<List<String>> panelRows = new ArrayList<>();
          List<String[]> names = new ArrayList<>();
          for (int i = 0; i < curves.size(); i++) {
            for (int j = i + 1; j < curves.size(); j++) {
              for (Curves.Point pa : curves.get(i).points()) {
                for (Curves.Point pb : curves.get(j).points()) {
                  if (pa.x() != pb.x()) {
                    continue;
                  }
                  Set<Integer> seeds = new TreeSet<>(pa.bySeed().keySet());
                  seeds.retainAll(pb.bySeed().keySet());
                  if (seeds.size() < 2) {
                    continue;
                  }
                  double[] a = seeds.stream().mapToDouble(s -> pa.bySeed().get(s)).toArray();
                  double[] b = seeds.stream().mapToDouble(s -> pb.bySeed().get(s)).toArray();
                  Statistics.Paired t = Statistics.paired(a, b);
                  String ma = curves.get(i).model();
                  String mb = curves.get(j).model();
                  String unit = p.sampling().equals("sequence") ? " seq/class" : " images";
                  Optional<double[]> test =
                      uncertainty.differenceInterval(p, pa, pb, List.copyOf(seeds));
                  tests.add(t);
                  names.add(new String[] {ma, mb, num(pa.x()) + unit});
                  panelRows.add(
                      new ArrayList<>(
                          List.of(
                              p.adaptation(),
                              p.sampling(),
                              p.split(),
                              p.level(),
                              num(pa.x()) + unit,
                              ma,
                              mb,
                              String.valueOf(t.n()),
                              String.format(Locale.ROOT, "%+.1f", 100 * t.meanDiff()),
                              Double.isNaN(t.low())
                                  ? ""
                                  : String.format(
                                      Locale.ROOT, "[%+.1f, %+.1f]", 100 * t.low(), 100 * t.high()),
                              Double.isNaN(t.t()) ? "" : String.format(Locale.ROOT, "%.2f", t.t()),
                              Double.isNaN(t.p())
                                  ? "n/a"
                                  : String.format(Locale.ROOT, "%.3g", t.p()),
                              "", // Holm, once the panel's family is complete
                              Double.isNaN(t.cohenDz())
                                  ? ""
                                  : String.format(Locale.ROOT, "%.2f", t.cohenDz()),
                              test.map(
                                      ci ->
                                          String.format(
                                              Locale.ROOT,
                                              "[%+.1f, %+.1f]",
                                              100 * ci[0],
                                              100 * ci[1]))
                                  .orElse("no test-set interval"),
                              "")));
                }
              }
            }
          }
          double[] adjusted =
              Statistics.holm(tests.stream().mapToDouble(Statistics.Paired::p).toArray());
          for (int k = 0; k < tests.size(); k++) {
            Statistics.Paired t = tests.get(k);
            String ma = names.get(k)[0];
            String mb = names.get(k)[1];
            String verdict;
            if (Double.isNaN(t.p())) {
              verdict =
                  t.meanDiff() == 0
                      ? "tie on every seed"
                      : (t.meanDiff() > 0 ? ma : mb)
                          + " ahead on every seed by the same margin (no test)";
            } else if (adjusted[k] < 0.05) {
              verdict =
                  (t.meanDiff() > 0 ? ma + " beats " + mb : mb + " beats " + ma)
                      + " at "
                      + names.get(k)[2];
            } else {
              verdict = "no significant difference";
            }
            List<String> row = panelRows.get(k);
            row.set(
                12,
                Double.isNaN(adjusted[k])
                    ? "n/a"
                    : String.format(Locale.ROOT, "%.3g", adjusted[k]));
            row.set(row.size() - 1, verdict);
            rows.add(List.copyOf(row));
          }
        });
    return rows;
  }

  /**
   * The heading of the full-data section, and what it holds: the paper's Table 3 is its four models
   * finetuned on the whole training pool, so the section says "Table 3" only when the sweep planned
   * such cells ({@code full_pool_finetune}) and names those it has.
   */
  static String fullDataHeading(ReportData data) {
    List<String> table3 = data.spec().map(SweepSpec::fullPoolFinetune).orElse(List.of());
    int pool = data.dataset().map(DatasetSummary::trainPoolImages).orElse(-1);
    if (table3.isEmpty()) {
      return "<h2 id=\"full\">Most training data per model</h2>\n<p>This sweep planned no"
          + " whole-pool finetune cells (<code>full_pool_finetune</code>), so this is not the"
          + " paper's Table 3: rows at the whole pool say so, the others are the largest size run."
          + "</p>\n";
    }
    Set<String> finished =
        data.rows().stream()
            .filter(
                r ->
                    r.adaptation().equals("finetune")
                        && r.sampling().equals("image")
                        && r.size() == pool
                        && table3.contains(r.model()))
            .map(ResultsCsv.Row::model)
            .collect(Collectors.toCollection(java.util.TreeSet::new));
    return "<h2 id=\"full\">Full training data (the paper's Table 3)</h2>\n<p>Table 3's cells: "
        + esc(String.join(", ", table3))
        + " finetuned on the whole training pool ("
        + pool
        + " images, augmented variants included); "
        + finished.size()
        + " of "
        + table3.size()
        + " finished"
        + (finished.size() < table3.size()
            ? " (missing: "
                + esc(
                    String.join(", ", table3.stream().filter(m -> !finished.contains(m)).toList()))
                + ")"
            : "")
        + ". The other rows are the most data each other model and adaptation has.</p>\n";
  }

  /** "whole pool" for a row on every training image, else what fraction of the pool it is. */
  static String trainingData(ReportData data, ResultsCsv.Row row) {
    int pool = data.dataset().map(DatasetSummary::trainPoolImages).orElse(-1);
    if (row.sampling().equals("image") && row.size() == pool) {
      return "whole pool";
    }
    return pool > 0
        ? String.format(
            Locale.ROOT, "largest size run: %.1f%% of the pool", 100.0 * row.trainImages() / pool)
        : "largest size run";
  }

  /**
   * The test-set interval of the seeds' mean of full-data rows, when all their cells kept outcomes.
   */
  private static Optional<double[]> testInterval(
      TestSetUncertainty uncertainty, List<ResultsCsv.Row> rows, String split, String level) {
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    ResultsCsv.Row r0 = rows.get(0);
    Map<Integer, Double> bySeed = new TreeMap<>();
    Map<Integer, String> cells = new TreeMap<>();
    rows.forEach(
        r -> {
          bySeed.put(r.seed(), r.accuracy());
          cells.put(r.seed(), r.cell());
        });
    Curves.Point point =
        new Curves.Point(
            Curves.x(r0),
            r0.size(),
            bySeed,
            Statistics.mean(bySeed.values().stream().mapToDouble(Double::doubleValue).toArray()),
            cells);
    return uncertainty.pointInterval(
        new Curves.Panel(r0.adaptation(), r0.sampling(), split, level), point);
  }

  private static String reachText(TestSetUncertainty.Reach ci, double[] xs, String unit) {
    String seedsOnly = ci.withTestSet() ? "" : " (seeds only)";
    if (Double.isInfinite(ci.low())) {
      return "not reached by "
          + num(xs[xs.length - 1])
          + unit
          + " in 97.5% of replicates"
          + seedsOnly;
    }
    String low = (ci.low() == xs[0] ? "≤ " : "") + num(ci.low());
    String high = Double.isInfinite(ci.high()) ? "> " + num(xs[xs.length - 1]) : num(ci.high());
    return "[" + low + ", " + high + "]" + unit + seedsOnly;
  }

  /** The statistics the report uses, named, for a reader who checks them. */
  private static String methods(ReportData data) {
    long withOutcomes = data.cells().stream().filter(c -> c.outcomes() != null).count();
    return "<details open><summary>Statistical methods</summary><ul class=\"small\">"
        + "<li>Seed interval: mean over seeds ± t(0.975, n−1)·s/√n (Student's t).</li>"
        + "<li>Test-set interval: sequence-clustered percentile bootstrap, "
        + ClusterBootstrap.REPLICATES
        + " resamples of the test split's sequences with replacement (frames of a sequence are not"
        + " independent); image level is a ratio Σ correct / Σ frames over the drawn sequences."
        + " The same draws for every cell of a split, so intervals of differences are paired. "
        + withOutcomes
        + " of "
        + data.cells().size()
        + " cells kept per-sequence outcomes; the"
        + " others have no test-set interval.</li>"
        + "<li>Paired comparisons: two-sided paired t-test across seeds (same subsets), Holm"
        + " step-down correction within each panel, α = 0.05.</li>"
        + "<li>Labels to reach a target: log2-linear interpolation of the mean curve; 95% percentile"
        + " bootstrap interval over seeds (and test sequences where kept).</li>"
        + "</ul></details>\n";
  }

  /**
   * The latest dedicated latency measurement of each model of the sweep ({@link LatencyBench}),
   * found by the model keys in {@code spec.json}; models without one are absent.
   */
  private static Map<String, LatencyBench.Result> latency(ReportData data, BlobStore store)
      throws IOException {
    Map<String, LatencyBench.Result> out = new TreeMap<>();
    if (data.specDoc() == null) {
      return out;
    }
    for (var e :
        (Iterable<Map.Entry<String, JsonNode>>) () -> data.specDoc().path("model_keys").fields()) {
      LatencyBench.readAll(store, e.getValue().asText()).stream()
          .max(java.util.Comparator.comparing(LatencyBench.Result::measuredAt))
          .ifPresent(r -> out.put(e.getKey(), r));
    }
    return out;
  }

  private static Path latencyTable(
      Map<String, LatencyBench.Result> latency, Path outDir, StringBuilder body)
      throws IOException {
    List<String> header =
        List.of(
            "model",
            "device",
            "engine",
            "input px",
            "batch",
            "warm-up",
            "repeats",
            "median ms/image",
            "quartiles",
            "min–max",
            "load before/after",
            "measured");
    List<List<String>> rows = new ArrayList<>();
    latency.forEach(
        (model, r) ->
            r.timings()
                .forEach(
                    t ->
                        rows.add(
                            List.of(
                                model,
                                r.device(),
                                r.engine(),
                                String.valueOf(r.inputSize()),
                                String.valueOf(t.batch()),
                                String.valueOf(t.warmup()),
                                String.valueOf(t.repeats()),
                                String.format(Locale.ROOT, "%.3f", t.medianMsPerImage()),
                                String.format(
                                    Locale.ROOT, "%.3f–%.3f", t.p25MsPerImage(), t.p75MsPerImage()),
                                String.format(
                                    Locale.ROOT, "%.3f–%.3f", t.minMsPerImage(), t.maxMsPerImage()),
                                String.format(
                                    Locale.ROOT, "%.2f / %.2f", r.loadBefore(), r.loadAfter()),
                                r.measuredAt()))));
    body.append("<h3>Latency measurements</h3>\n");
    body.append(
        rows.isEmpty()
            ? "<p class=\"na\">No dedicated latency measurement of these models"
                + " (they are taken by the training pool's embedding extraction, once per model, device and"
                + " input size).</p>\n"
            : Html.table(header, escape(rows), "latency"));
    return csv(outDir, "latency.csv", header.stream().map(SweepReport::slug).toList(), rows);
  }

  /**
   * The full-data rows per model × adaptation: image sampling of the whole pool, else the largest
   * size.
   */
  static Map<String, List<ResultsCsv.Row>> fullData(ReportData data) {
    Map<String, List<ResultsCsv.Row>> out = new TreeMap<>();
    int pool = data.dataset().map(DatasetSummary::trainPoolImages).orElse(-1);
    Map<String, List<ResultsCsv.Row>> byKey =
        data.rows().stream()
            .collect(
                Collectors.groupingBy(
                    r -> r.model() + "|" + r.adaptation(), TreeMap::new, Collectors.toList()));
    byKey.forEach(
        (key, rs) -> {
          List<ResultsCsv.Row> image =
              rs.stream().filter(r -> r.sampling().equals("image")).toList();
          List<ResultsCsv.Row> pickFrom = image.isEmpty() ? rs : image;
          int size =
              pickFrom.stream().anyMatch(r -> r.size() == pool)
                  ? pool
                  : pickFrom.stream().mapToInt(ResultsCsv.Row::size).max().orElse(-1);
          String sampling = pickFrom.get(0).sampling();
          out.put(
              key,
              pickFrom.stream()
                  .filter(r -> r.size() == size && r.sampling().equals(sampling))
                  .toList());
        });
    return out;
  }

  private static Path confusion(
      ReportData data, Map<String, List<ResultsCsv.Row>> full, Path outDir, StringBuilder body)
      throws IOException {
    Set<String> fullCells =
        full.values().stream()
            .flatMap(List::stream)
            .map(ResultsCsv.Row::cell)
            .collect(Collectors.toSet());
    // model|adaptation → split → level → summed matrix
    Map<String, Map<String, Map<String, int[][]>>> sums = new TreeMap<>();
    Map<String, List<String>> classes = new LinkedHashMap<>();
    for (CellRecord c : data.cells()) {
      if (!fullCells.contains(c.cell()) || c.confusion() == null) {
        continue;
      }
      String key = c.model() + "|" + c.adaptation();
      classes.putIfAbsent(key, c.classes());
      c.confusion()
          .forEach(
              (split, byLevel) ->
                  byLevel.forEach(
                      (level, m) -> {
                        int[][] sum =
                            sums.computeIfAbsent(key, k -> new TreeMap<>())
                                .computeIfAbsent(split, k -> new TreeMap<>())
                                .computeIfAbsent(level, k -> new int[m.length][m.length]);
                        for (int i = 0; i < m.length; i++) {
                          for (int j = 0; j < m[i].length; j++) {
                            sum[i][j] += m[i][j];
                          }
                        }
                      }));
    }
    List<List<String>> csvRows = new ArrayList<>();
    if (sums.isEmpty()) {
      body.append("<p class=\"na\">No full-data cell with confusion matrices yet.</p>\n");
    }
    sums.forEach(
        (key, bySplit) -> {
          List<String> cls = classes.get(key);
          body.append("<h3>").append(esc(key.replace("|", ", "))).append("</h3>\n");
          bySplit.forEach(
              (split, byLevel) ->
                  byLevel.forEach(
                      (level, m) -> {
                        body.append("<p><b>")
                            .append(esc(split))
                            .append(", ")
                            .append(esc(level))
                            .append(" level</b></p>\n");
                        List<String> header = new ArrayList<>(List.of("true \\ predicted"));
                        cls.forEach(x -> header.add(esc(x)));
                        List<List<String>> rows = new ArrayList<>();
                        int max = 1;
                        for (int[] row : m) {
                          for (int v : row) {
                            max = Math.max(max, v);
                          }
                        }
                        for (int i = 0; i < m.length; i++) {
                          List<String> r = new ArrayList<>();
                          r.add(esc(i < cls.size() ? cls.get(i) : String.valueOf(i)));
                          for (int j = 0; j < m[i].length; j++) {
                            int v = m[i][j];
                            int shade = 255 - (int) Math.round(150.0 * v / max);
                            String colour =
                                i == j
                                    ? String.format("rgb(%d,%d,255)", shade, shade)
                                    : String.format("rgb(255,%d,%d)", shade, shade);
                            r.add(
                                v == 0
                                    ? "<span class=\"na\">·</span>"
                                    : "<span style=\"display:block;background:"
                                        + colour
                                        + "\">"
                                        + v
                                        + "</span>");
                            csvRows.add(
                                List.of(
                                    key.split("\\|")[0],
                                    key.split("\\|")[1],
                                    split,
                                    level,
                                    i < cls.size() ? cls.get(i) : String.valueOf(i),
                                    j < cls.size() ? cls.get(j) : String.valueOf(j),
                                    String.valueOf(v)));
                          }
                          rows.add(r);
                        }
                        body.append(Html.table(header, rows, "conf"));
                      }));
        });
    return csv(
        outDir,
        "confusion.csv",
        List.of("model", "adaptation", "test_split", "level", "true", "predicted", "count"),
        csvRows);
  }

  private static Path provenance(ReportData data, BlobStore store, Path outDir, StringBuilder body)
      throws IOException {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("sweep", data.sweepId());
    doc.put("report_labelcurve_version", Provenance.version());
    doc.put("cells_finished", data.cells().size());
    doc.put("cells_planned", data.plannedCells());
    doc.put(
        "results_csv",
        data.resultsCsvPresent()
            ? store.uri(new SweepStore(store, data.sweepId()).resultsKey())
            : null);
    if (data.specDoc() != null) {
      doc.set("spec_json", data.specDoc());
    }
    // Workers: the distinct machine descriptions the cells were computed on.
    Set<Map<String, String>> workers = new LinkedHashSet<>();
    Map<String, Set<String>> other = new TreeMap<>();
    ObjectNode ids = doc.putObject("sampled_ids");
    for (CellRecord c :
        data.cells().stream().sorted(io.labelcurve.activities.results.ResultsCsv.ORDER).toList()) {
      if (c.sampledIds() != null) {
        ids.put(c.cell(), store.uri(c.sampledIds()));
      }
      if (c.provenance() != null) {
        Map<String, String> w = new TreeMap<>();
        c.provenance()
            .forEach(
                (k, v) -> {
                  if (Set.of("host", "os", "java", "processors", "max_memory_mib", "gpu", "device")
                      .contains(k)) {
                    w.put(k, v);
                  } else {
                    other.computeIfAbsent(k, x -> new TreeSet<>()).add(v);
                  }
                });
        workers.add(w);
      }
    }
    doc.putPOJO("workers", workers);
    doc.putPOJO("cell_provenance_values", other);
    Path file = outDir.resolve("provenance.json");
    Files.write(file, JSON.writeValueAsBytes(doc));

    JsonNode spec = data.specDoc();
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("sweep", esc(data.sweepId())));
    if (spec != null) {
      rows.add(List.of("dataset", esc(spec.path("dataset").path("manifestUri").asText())));
      rows.add(
          List.of(
              "dataset digest",
              "<code>" + esc(spec.path("dataset").path("digest").asText()) + "</code>"));
      List<String> keys = new ArrayList<>();
      spec.path("model_keys")
          .fields()
          .forEachRemaining(
              e -> keys.add(esc(e.getKey()) + ": <code>" + esc(e.getValue().asText()) + "</code>"));
      rows.add(List.of("model digests (cache keys)", String.join("<br>", keys)));
      rows.add(
          List.of(
              "labelcurve version of the sweep", esc(spec.path("labelcurve_version").asText())));
    } else {
      rows.add(List.of("spec", "<span class=\"na\">no spec.json in the bucket</span>"));
    }
    rows.add(List.of("labelcurve version of this report", esc(Provenance.version())));
    other.forEach((k, v) -> rows.add(List.of(esc(k), esc(String.join(", ", v)))));
    rows.add(
        List.of(
            "workers",
            workers.stream().map(w -> esc(w.toString())).collect(Collectors.joining("<br>"))));
    rows.add(
        List.of(
            "sampled ids",
            ids.size()
                + " files, one per cell, listed in <a href=\"provenance.json\">"
                + "provenance.json</a> (e.g. <code>"
                + (ids.size() > 0 ? esc(ids.elements().next().asText()) : "")
                + "</code>)"));
    body.append(Html.table(List.of("what", "value"), rows, "prov"));
    if (spec != null && spec.has("spec")) {
      body.append("<details><summary>spec</summary><pre>")
          .append(esc(JSON.writeValueAsString(spec.get("spec"))))
          .append("</pre></details>\n");
    }
    body.append(
        "<p class=\"small\">Files next to this page: charts as PNG and SVG, tables as CSV"
            + " (curves.csv, full-data.csv, latency.csv, labels-to-target.csv, crossings.csv, paired.csv, confusion.csv),"
            + " provenance.json.</p>\n");
    return file;
  }

  // ----------------------------------------------------------------------------------------------

  private static List<String> models(ReportData data) {
    Set<String> out = new LinkedHashSet<>();
    data.spec().ifPresent(s -> out.addAll(s.allModels()));
    data.rows().forEach(r -> out.add(r.model()));
    return List.copyOf(out);
  }

  private static Set<String> adaptations(ReportData data) {
    return data.rows().stream().map(ResultsCsv.Row::adaptation).collect(Collectors.toSet());
  }

  private static String seedsText(Map<Curves.Panel, List<Curves.Curve>> figure) {
    int max =
        figure.values().stream()
            .flatMap(List::stream)
            .flatMap(c -> c.points().stream())
            .mapToInt(p -> p.mean().n())
            .max()
            .orElse(1);
    return max > 1 ? "mean of up to " + max + " seeds, shaded 95% CI" : "one seed, no band";
  }

  private static String figure(Path dir, String base, String caption) throws IOException {
    String png = Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve(base + ".png")));
    return "<figure><img alt=\""
        + esc(caption)
        + "\" src=\"data:image/png;base64,"
        + png
        + "\">"
        + "<figcaption>"
        + esc(caption)
        + " · <a href=\""
        + base
        + ".png\">PNG</a> · <a href=\""
        + base
        + ".svg\">SVG</a></figcaption></figure>\n";
  }

  private static List<List<String>> escape(List<List<String>> rows) {
    return rows.stream().map(r -> r.stream().map(Html::esc).toList()).toList();
  }

  private static Path csv(Path dir, String name, List<String> header, List<List<String>> rows)
      throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, Csv.render(header, rows), StandardCharsets.UTF_8);
    return file;
  }

  static String slug(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, "%.1f", 100 * v);
  }

  private static String num(double v) {
    if (Math.abs(v - Math.rint(v)) < 1e-9) {
      return String.valueOf((long) Math.rint(v));
    }
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2g", v);
  }
}
