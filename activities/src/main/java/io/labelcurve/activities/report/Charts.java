package io.labelcurve.activities.report;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BubbleChart;
import org.knowm.xchart.BubbleSeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts with XChart: learning curves with their confidence bands (Figures 1–4) and
 * the accuracy/speed/size trade-off (Figure 5). Several panels go into one PNG and one SVG.
 */
public final class Charts {
  /** Colour-blind-safe (Okabe–Ito), one per model in the order of the sweep. */
  private static final Color[] PALETTE = {
    new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115),
    new Color(204, 121, 167), new Color(230, 159, 0), new Color(86, 180, 233),
    new Color(0, 0, 0), new Color(240, 228, 66)
  };

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private Charts() {}

  static Color colour(List<String> models, String model) {
    int i = Math.max(0, models.indexOf(model));
    return PALETTE[i % PALETTE.length];
  }

  private static String count(double v) {
    if (Math.abs(v - Math.rint(v)) < 1e-9) {
      return String.format(Locale.ROOT, "%,d", (long) Math.rint(v));
    }
    return v >= 100
        ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%.2g", v);
  }

  /**
   * The x-axis label formatter of a learning curve: XChart (3.8.8) places ticks at round values of
   * log2(size), which on a sequence chart gave 0.87, 1.1, 1.3 … around 1, 2 and 4 sequences per
   * class, and it cannot be given tick positions. So its labels are blank (and its vertical grid
   * lines off), and {@link #runSizeTicks} draws a tick and the label at each size that was run,
   * after XChart painted the panel. The identity of this function marks such a chart.
   */
  private static final java.util.function.Function<Double, String> RUN_SIZE_AXIS = v -> " ";

  /** The sizes a learning-curve chart holds (2 to the x of its points), in increasing order. */
  static double[] runSizes(XYChart chart) {
    java.util.TreeSet<Double> xs = new java.util.TreeSet<>();
    for (XYSeries series : chart.getSeriesMap().values()) {
      for (double x : series.getXData()) {
        xs.add(x);
      }
    }
    return xs.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /**
   * Draws, on a painted learning-curve chart, a tick and the label of each run size under the plot
   * (no grid line: drawn after the curves, it would cross them); a label that would overlap the one
   * before it is left out (the last one, the largest size, always stays).
   */
  static void runSizeTicks(Graphics2D g, XYChart chart) {
    double[] xs = runSizes(chart);
    if (xs.length == 0) {
      return;
    }
    double bottom = chart.getScreenYFromChart(chart.getStyler().getYAxisMin());
    Font font = chart.getStyler().getAxisTickLabelsFont();
    java.awt.FontMetrics fm = g.getFontMetrics(font);
    List<double[]> spans = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    for (double x : xs) {
      String label = count(Math.pow(2, x));
      double sx = chart.getScreenXFromChart(x);
      double half = fm.stringWidth(label) / 2.0;
      spans.add(new double[] {sx - half, sx + half, sx});
      labels.add(label);
    }
    g.setFont(font);
    double lastRight = -Double.MAX_VALUE;
    for (int i = 0; i < spans.size(); i++) {
      double[] span = spans.get(i);
      boolean last = i == spans.size() - 1;
      boolean fits =
          span[0] > lastRight + 4 && (last || span[1] + 4 < spans.get(spans.size() - 1)[0]);
      g.setColor(chart.getStyler().getAxisTickMarksColor());
      g.drawLine(
          (int) Math.round(span[2]),
          (int) Math.round(bottom),
          (int) Math.round(span[2]),
          (int) Math.round(bottom + 4));
      if (fits || last) {
        g.setColor(chart.getStyler().getAxisTickLabelsColor());
        g.drawString(labels.get(i), (float) span[0], (float) (bottom + 6 + fm.getAscent()));
        lastRight = span[1];
      }
    }
  }

  /** One panel: a line per model (the mean over seeds) with its shaded 95% interval. */
  public static XYChart learningCurves(
      Curves.Panel panel, List<Curves.Curve> curves, List<String> models, int width, int height) {
    XYChart chart = new XYChart(width, height);
    chart.setTitle(panel.split() + " · " + panel.level() + " level");
    chart.setXAxisTitle(panel.xLabel());
    chart.setYAxisTitle("accuracy (%)");
    style(chart.getStyler());
    // Under the plot: inside, it hid the lower curves of the demo.
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setMarkerSize(7);
    // log2 axis: plot log2(x), ticked at the sizes that were run (see runSizeTicks).
    chart.setCustomXAxisTickLabelsFormatter(RUN_SIZE_AXIS);
    chart.getStyler().setXAxisTickMarkSpacingHint(45);
    chart.getStyler().setXAxisDecimalPattern("0.##");
    chart.getStyler().setPlotGridVerticalLinesVisible(false);
    double minY = 100;
    double minX = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    for (Curves.Curve c : curves) {
      Color colour = colour(models, c.model());
      int n = c.points().size();
      double[] lx = new double[n];
      double[] mean = new double[n];
      List<Double> bandX = new ArrayList<>();
      List<Double> bandY = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Curves.Point p = c.points().get(i);
        lx[i] = Statistics.log2(p.x());
        mean[i] = 100 * p.mean().mean();
        minX = Math.min(minX, lx[i]);
        maxX = Math.max(maxX, lx[i]);
        minY = Math.min(minY, mean[i]);
        if (p.mean().hasInterval()) {
          minY = Math.min(minY, 100 * p.mean().low());
        }
      }
      boolean banded = c.points().stream().allMatch(p -> p.mean().hasInterval()) && n >= 2;
      if (banded) {
        for (int i = 0; i < n; i++) {
          bandX.add(lx[i]);
          bandY.add(Math.min(100, 100 * c.points().get(i).mean().high()));
        }
        for (int i = n - 1; i >= 0; i--) {
          bandX.add(lx[i]);
          bandY.add(Math.max(0, 100 * c.points().get(i).mean().low()));
        }
        XYSeries band = chart.addSeries(c.model() + " 95% CI", bandX, bandY);
        band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        band.setFillColor(new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 60));
        band.setLineColor(new Color(0, 0, 0, 0));
        band.setMarker(SeriesMarkers.NONE);
        band.setShowInLegend(false);
      }
      int seeds = c.points().stream().mapToInt(p -> p.mean().n()).max().orElse(1);
      if (seeds > 1) {
        chart.setTitle(
            panel.split() + " · " + panel.level() + " level · mean of " + seeds + " seeds, 95% CI");
      }
      XYSeries line = chart.addSeries(c.model(), lx, mean);
      line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
      line.setLineColor(colour);
      line.setMarkerColor(colour);
      line.setMarker(SeriesMarkers.CIRCLE);
      line.setLineWidth(2.5f);
    }
    if (minX <= maxX) {
      chart.getStyler().setXAxisMin(Math.floor(minX) - 0.25);
      chart.getStyler().setXAxisMax(Math.ceil(maxX) + 0.25);
    }
    chart.getStyler().setYAxisMin(Math.max(0, Math.floor((minY - 5) / 10) * 10));
    chart.getStyler().setYAxisMax(100.0);
    return chart;
  }

  /**
   * Figure 5 for one test split: accuracy of the full-data cells against inference ms per image,
   * bubble area proportional to the parameter count, one bubble per model.
   */
  public static BubbleChart tradeoff(
      String split,
      String level,
      List<TradeoffPoint> points,
      List<String> models,
      int width,
      int height) {
    BubbleChart chart = new BubbleChart(width, height);
    chart.setTitle(split + " · " + level + " level");
    chart.setXAxisTitle("median inference ms per image (bubble area ∝ parameters)");
    chart.setYAxisTitle("accuracy (%)");
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
    long maxParams = points.stream().mapToLong(TradeoffPoint::params).max().orElse(1);
    double maxMs = points.stream().mapToDouble(TradeoffPoint::msPerImage).max().orElse(1);
    double minAcc = points.stream().mapToDouble(TradeoffPoint::accuracy).min().orElse(0);
    for (TradeoffPoint p : points) {
      // Bubble diameter in pixels: area proportional to parameters, the largest 60 px across.
      double diameter = Math.max(8, 60 * Math.sqrt((double) p.params() / Math.max(1, maxParams)));
      BubbleSeries s =
          chart.addSeries(
              String.format(Locale.ROOT, "%s (%.1fM params)", p.model(), p.params() / 1e6),
              new double[] {p.msPerImage()},
              new double[] {100 * p.accuracy()},
              new double[] {diameter});
      Color c = colour(models, p.colourOf());
      s.setFillColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 150));
      s.setLineColor(c);
    }
    chart.getStyler().setXAxisMin(0.0);
    chart.getStyler().setXAxisMax(maxMs * 1.25 + 1e-9);
    chart.getStyler().setYAxisMin(Math.max(0, Math.floor((100 * minAcc - 10) / 10) * 10));
    chart.getStyler().setYAxisMax(100.0);
    return chart;
  }

  /** A model's point on the trade-off chart; {@code model} is its label. */
  public record TradeoffPoint(
      String model, double accuracy, double msPerImage, long params, String colourOf) {
    public TradeoffPoint(String model, double accuracy, double msPerImage, long params) {
      this(model, accuracy, msPerImage, params, model);
    }
  }

  private static void style(org.knowm.xchart.style.AxesChartStyler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderColor(new Color(180, 180, 180));
    s.setPlotGridLinesColor(new Color(225, 225, 225));
    s.setPlotGridLinesStroke(new BasicStroke(1f));
    s.setLegendBorderColor(new Color(200, 200, 200));
    s.setChartTitleBoxVisible(false);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    s.setAntiAlias(true);
  }

  /**
   * Writes panels side by side ({@code columns} to a row) under a title as {@code base.png} and
   * {@code base.svg}.
   */
  public static void writePanels(
      String title, List<? extends Chart<?, ?>> charts, int columns, Path dir, String base)
      throws IOException {
    if (charts.isEmpty()) {
      return;
    }
    int w = charts.get(0).getWidth();
    int h = charts.get(0).getHeight();
    int cols = Math.min(columns, charts.size());
    int rows = (charts.size() + cols - 1) / cols;
    int titleH = 40;
    int width = cols * w;
    int height = titleH + rows * h;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    paint(g, title, charts, cols, w, h, titleH, width, height);
    g.dispose();
    Files.createDirectories(dir);
    ImageIO.write(image, "png", dir.resolve(base + ".png").toFile());
    VectorGraphics2D vg = new VectorGraphics2D();
    paint(vg, title, charts, cols, w, h, titleH, width, height);
    try (OutputStream out = Files.newOutputStream(dir.resolve(base + ".svg"))) {
      new SVGProcessor()
          .getDocument(vg.getCommands(), new PageSize(0, 0, width, height))
          .writeTo(out);
    }
  }

  private static void paint(
      Graphics2D g,
      String title,
      List<? extends Chart<?, ?>> charts,
      int cols,
      int w,
      int h,
      int titleH,
      int width,
      int height) {
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString(title, 14, 27);
    for (int i = 0; i < charts.size(); i++) {
      Graphics2D sub = (Graphics2D) g.create((i % cols) * w, titleH + (i / cols) * h, w, h);
      charts.get(i).paint(sub, w, h);
      if (charts.get(i) instanceof XYChart xy
          && xy.getStyler().getxAxisTickLabelsFormattingFunction() == RUN_SIZE_AXIS) {
        runSizeTicks(sub, xy);
      }
      sub.dispose();
    }
  }

  /** Convenience for the learning-curve figure of one adaptation × sampling. */
  static List<XYChart> curvePanels(
      Map<Curves.Panel, List<Curves.Curve>> panels, List<String> models) {
    List<XYChart> out = new ArrayList<>();
    panels.forEach((p, curves) -> out.add(learningCurves(p, curves, models, 560, 420)));
    return out;
  }
}
