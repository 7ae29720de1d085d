package io.labelcurve.activities.phantom;

import io.labelcurve.activities.phantom.Anatomy.Band;
import io.labelcurve.activities.phantom.Anatomy.Blob;
import io.labelcurve.activities.phantom.Anatomy.Chamber;
import io.labelcurve.activities.phantom.Anatomy.Role;
import io.labelcurve.activities.phantom.Anatomy.Valve;
import io.labelcurve.activities.phantom.Anatomy.View;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Renders the frames of one sequence: one patient's heart (the view's layout, jittered) seen by one
 * site over a cardiac cycle. Everything random comes from the sequence's own {@link
 * SplittableRandom}, so sequences can be rendered in parallel and a seed gives the same bytes.
 *
 * <p>Image formation, roughly as a scanner does it: an echogenicity map (tissue texture, bright
 * walls, bands and valves, dark blood) times multiplicative Rayleigh speckle correlated along the
 * lateral direction, depth attenuation, gain, additive noise, log compression, inside a fan-shaped
 * sector.
 */
final class SequenceRenderer {
  static final int SIZE = 256;
  private static final double BLOOD = 0.008;
  private static final double MYOCARDIUM = 0.42;
  private static final double VALVE = 0.75;
  private static final double TISSUE = 0.11;

  /**
   * Inverse CDF of the Rayleigh (speckle) and half-normal (noise) laws: a table lookup per pixel
   * instead of a log.
   */
  private static final float[] RAYLEIGH = new float[1 << 16];

  private static final float[] HALF_NORMAL = new float[1 << 16];

  static {
    for (int i = 0; i < RAYLEIGH.length; i++) {
      double u = (i + 0.5) / RAYLEIGH.length;
      RAYLEIGH[i] = (float) Math.sqrt(-2 * Math.log(1 - u));
      HALF_NORMAL[i] = (float) Math.abs(inverseNormal((1 + u) / 2));
    }
  }

  /** Per site: each pixel's distance from the apex and angle from the sector's axis (degrees). */
  private static final java.util.Map<Site, float[][]> POLAR =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static float[][] polar(Site site) {
    return POLAR.computeIfAbsent(
        site,
        s -> {
          float[] r = new float[SIZE * SIZE];
          float[] theta = new float[SIZE * SIZE];
          float[] attenuation = new float[SIZE * SIZE];
          for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
              r[y * SIZE + x] = (float) Math.hypot(x - SIZE / 2.0, y - s.apexY());
              theta[y * SIZE + x] =
                  (float) Math.toDegrees(Math.atan2(x - SIZE / 2.0, y - s.apexY()));
              attenuation[y * SIZE + x] = (float) Math.exp(-s.attenuation() * r[y * SIZE + x]);
            }
          }
          return new float[][] {r, theta, attenuation};
        });
  }

  /** Per site: the pixels inside (or touching) the scan sector; everything else stays black. */
  private static final java.util.Map<Site, int[]> SECTOR =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static int[] sectorPixels(Site site) {
    return SECTOR.computeIfAbsent(
        site,
        s -> {
          float[][] p = polar(s);
          return java.util.stream.IntStream.range(0, SIZE * SIZE)
              .filter(
                  i ->
                      p[0][i] > 6
                          && p[0][i] < s.depth() + 1
                          && Math.abs(p[1][i]) < s.halfAngleDeg() + 1)
              .toArray();
        });
  }

  /** Acklam's rational approximation of the standard normal quantile (ample for noise). */
  private static double inverseNormal(double p) {
    double[] a = {
      -3.969683028665376e+01,
      2.209460984245205e+02,
      -2.759285104469687e+02,
      1.383577518672690e+02,
      -3.066479806614716e+01,
      2.506628277459239e+00
    };
    double[] b = {
      -5.447609879822406e+01,
      1.615858368580409e+02,
      -1.556989798598866e+02,
      6.680131188771972e+01,
      -1.328068155288572e+01
    };
    double[] c = {
      -7.784894002430293e-03,
      -3.223964580411365e-01,
      -2.400758277161838e+00,
      -2.549732539343734e+00,
      4.374664141464968e+00,
      2.938163982698783e+00
    };
    double[] d = {
      7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
    };
    if (p < 0.02425) {
      double q = Math.sqrt(-2 * Math.log(p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - 0.02425) {
      double q = Math.sqrt(-2 * Math.log(1 - p));
      return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double q = p - 0.5;
    double r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }

  private final String label;
  private final Site site;
  private final float[] radius;
  private final float[] angle;
  private final float[] attenuation;

  /** Log compression sampled every 1/{@value #LUT_STEPS} of amplitude up to {@value #LUT_MAX}. */
  private final float[] compression;

  private static final int LUT_STEPS = 2048;
  private static final int LUT_MAX = 4;
  private final Set<Difficulty> difficulties;
  private final SplittableRandom random;

  // Per-sequence geometry and texture.
  private final View view;
  private final double rotation;
  private final double scale;
  private final double centreX;
  private final double centreY;
  private final List<Chamber> chambers = new ArrayList<>();

  /**
   * Per chamber: amplitudes and phases of the 2nd and 3rd boundary harmonics, and the apex taper.
   */
  private final List<double[]> shapes = new ArrayList<>();

  private final double phase;
  private final double contraction;
  private final double wallFactor;
  private final double[][] waves;
  private final double shadowAngle;
  private final double shadowWidth;
  private final double[] dropout;
  private final double noiseBoost;
  private final double gain;
  // NO-ORGAN content.
  private final double[] layers;
  private final double[][] vessels;
  private final double ribAngle;
  private final boolean lung;

  SequenceRenderer(String label, Site site, Set<Difficulty> difficulties, SplittableRandom random) {
    this.label = label;
    this.site = site;
    this.difficulties =
        difficulties.isEmpty() ? EnumSet.noneOf(Difficulty.class) : EnumSet.copyOf(difficulties);
    this.random = random;
    this.view = Anatomy.view(label);
    float[][] polar = polar(site);
    this.radius = polar[0];
    this.angle = polar[1];
    this.attenuation = polar[2];
    this.compression = new float[LUT_STEPS * LUT_MAX + 2];
    double logK = Math.log(1 + site.compression());
    for (int i = 0; i < compression.length; i++) {
      compression[i] = (float) (Math.log(1 + site.compression() * i / (double) LUT_STEPS) / logK);
    }
    boolean offAxis = this.difficulties.contains(Difficulty.OFF_AXIS);
    double rotJitter = offAxis ? 24 : 9;
    this.rotation = view.rotationDeg() + random.nextDouble(-rotJitter, rotJitter);
    // A deeper sector shows a smaller heart.
    this.scale =
        random.nextDouble(0.88, 1.12)
            * 236.0
            / site.depth()
            * (label.equals("SUBCOSTAL") ? 0.8 : 1.0);
    this.centreX =
        SIZE / 2.0 + random.nextDouble(-10, 10) + (offAxis ? random.nextDouble(-14, 14) : 0);
    this.centreY = view.centreY() + site.apexY() + random.nextDouble(-10, 10);
    double sizeFactor = 1;
    double wall = 1;
    double contract = random.nextDouble(0.12, 0.2);
    if (this.difficulties.contains(Difficulty.DILATED)) {
      sizeFactor = random.nextDouble(1.25, 1.45);
      wall = 0.6;
      contract = 0.05;
    }
    if (this.difficulties.contains(Difficulty.HYPERTROPHIC)) {
      sizeFactor = random.nextDouble(0.7, 0.82);
      wall = random.nextDouble(1.9, 2.4);
    }
    this.wallFactor = wall;
    this.contraction = contract;
    double jitter = offAxis ? 9 : 4;
    int foreshortened =
        offAxis && !view.chambers().isEmpty() ? random.nextInt(view.chambers().size()) : -1;
    for (int i = 0; i < view.chambers().size(); i++) {
      Chamber c = view.chambers().get(i);
      double f = c.role() == Role.VENTRICLE ? sizeFactor : 1;
      double shrink = i == foreshortened ? 0.55 : 1;
      chambers.add(
          new Chamber(
              c.cx() + random.nextDouble(-jitter, jitter),
              c.cy() + random.nextDouble(-jitter, jitter),
              c.rx() * f * random.nextDouble(0.9, 1.1),
              c.ry() * f * shrink * random.nextDouble(0.9, 1.1),
              c.angleDeg() + random.nextDouble(-6, 6),
              c.wall() * wall * random.nextDouble(0.85, 1.15),
              c.role()));
      double taper =
          c.role() == Role.VENTRICLE && c.ry() > 1.5 * c.rx() ? random.nextDouble(0.2, 0.35) : 0;
      double a2 = random.nextDouble(0.02, 0.07);
      double p2 = random.nextDouble(2 * Math.PI);
      double a3 = random.nextDouble(0.01, 0.05);
      double p3 = random.nextDouble(2 * Math.PI);
      shapes.add(
          new double[] {
            a2 * Math.cos(p2), a2 * Math.sin(p2), a3 * Math.cos(p3), a3 * Math.sin(p3), taper
          });
    }
    this.phase = random.nextDouble();
    this.waves = new double[4][];
    for (int i = 0; i < waves.length; i++) {
      double freq = random.nextDouble(0.02, 0.09);
      double dir = random.nextDouble(Math.PI);
      waves[i] =
          new double[] {
            freq * Math.cos(dir),
            freq * Math.sin(dir),
            random.nextDouble(2 * Math.PI),
            random.nextDouble(0.012, 0.03)
          };
    }
    boolean poor = this.difficulties.contains(Difficulty.POOR_QUALITY);
    this.shadowAngle =
        poor
            ? random.nextDouble(-site.halfAngleDeg() * 0.7, site.halfAngleDeg() * 0.7)
            : Double.NaN;
    this.shadowWidth = random.nextDouble(5, 12);
    this.dropout = new double[poor ? 3 : 0];
    for (int i = 0; i < dropout.length; i++) {
      dropout[i] = random.nextDouble(-site.halfAngleDeg(), site.halfAngleDeg());
    }
    this.noiseBoost = poor ? random.nextDouble(1.8, 3) : 1;
    this.gain =
        site.gain() * random.nextDouble(0.85, 1.15) * (poor ? random.nextDouble(0.6, 0.8) : 1);
    // Without an organ: tissue layers, perhaps lung with A-lines, a rib shadow, small vessels.
    this.layers = new double[2 + random.nextInt(3)];
    for (int i = 0; i < layers.length; i++) {
      layers[i] = random.nextDouble(25, site.depth() * 0.8);
    }
    this.vessels = new double[random.nextInt(3)][];
    for (int i = 0; i < vessels.length; i++) {
      vessels[i] =
          new double[] {
            random.nextDouble(80, 176), random.nextDouble(60, 200), random.nextDouble(5, 12)
          };
    }
    this.ribAngle = random.nextDouble(-site.halfAngleDeg(), site.halfAngleDeg());
    this.lung = random.nextBoolean();
  }

  /** Frame {@code index} of {@code frames}, covering one cardiac cycle, as 8-bit grey. */
  byte[] frame(int index, int frames) {
    double t = phase + (double) index / frames;
    double systole = (1 - Math.cos(2 * Math.PI * t)) / 2;
    float[] echo = new float[SIZE * SIZE];
    double probeDx = random.nextDouble(-1.5, 1.5);
    double probeDy = random.nextDouble(-1.5, 1.5);
    tissue(echo);
    if (label.equals("NO-ORGAN")) {
      noOrgan(echo);
    } else {
      heart(echo, systole, centreX + probeDx, centreY + probeDy);
    }
    return image(echo);
  }

  private void tissue(float[] echo) {
    // cos(ax + by + c) = cos(ax)cos(by + c) - sin(ax)sin(by + c): tables per row and column, no cos
    // per pixel.
    int n = waves.length;
    double[][] cx = new double[n][SIZE];
    double[][] sx = new double[n][SIZE];
    double[][] cy = new double[n][SIZE];
    double[][] sy = new double[n][SIZE];
    for (int k = 0; k < n; k++) {
      double[] w = waves[k];
      for (int i = 0; i < SIZE; i++) {
        cx[k][i] = w[3] * Math.cos(w[0] * i);
        sx[k][i] = w[3] * Math.sin(w[0] * i);
        cy[k][i] = Math.cos(w[1] * i + w[2]);
        sy[k][i] = Math.sin(w[1] * i + w[2]);
      }
    }
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        double v = TISSUE;
        for (int k = 0; k < n; k++) {
          v += cx[k][x] * cy[k][y] - sx[k][x] * sy[k][y];
        }
        double r = radius[y * SIZE + x];
        if (r < 28) {
          v += 0.2 * (1 - r / 28); // chest wall clutter near the probe
        }
        echo[y * SIZE + x] = (float) v;
      }
    }
    if (view.liver()) {
      // A homogeneous liver window between the probe and the heart.
      for (int y = 0; y < SIZE; y++) {
        for (int x = 0; x < SIZE; x++) {
          double r = radius[y * SIZE + x];
          double edge = 95 + 25 * Math.sin(x * 0.02 + phase * 6);
          if (r < edge) {
            echo[y * SIZE + x] = (float) (0.2 + 0.5 * (echo[y * SIZE + x] - TISSUE));
          } else if (r < edge + 4) {
            echo[y * SIZE + x] = 0.55f; // capsule
          }
        }
      }
    }
  }

  private void heart(float[] echo, double systole, double cx, double cy) {
    double rot = Math.toRadians(rotation);
    double cos = Math.cos(rot);
    double sin = Math.sin(rot);
    List<Chamber> placed = new ArrayList<>();
    for (Chamber c : chambers) {
      double k =
          switch (c.role()) {
            case VENTRICLE -> 1 - contraction * systole;
            case ATRIUM -> 1 - 0.1 * (1 - systole);
            case VESSEL -> 1 + 0.05 * systole;
          };
      double wall = c.role() == Role.VENTRICLE ? c.wall() * (1 + 0.5 * systole) : c.wall();
      double px = c.cx() * scale;
      double py = c.cy() * scale;
      placed.add(
          new Chamber(
              cx + cos * px - sin * py,
              cy + sin * px + cos * py,
              c.rx() * k * scale,
              c.ry() * k * scale,
              c.angleDeg() + rotation,
              wall * scale,
              c.role()));
    }
    for (int i = 0; i < placed.size(); i++) {
      ellipse(echo, placed.get(i), shapes.get(i), true);
    }
    for (Band b : view.bands()) {
      double[] p1 = place(b.x1(), b.y1(), cx, cy, cos, sin);
      double[] p2 = place(b.x2(), b.y2(), cx, cy, cos, sin);
      segment(echo, p1[0], p1[1], p2[0], p2[1], b.width() * scale * wallFactor, b.intensity());
    }
    for (int i = 0; i < placed.size(); i++) {
      ellipse(echo, placed.get(i), shapes.get(i), false);
    }
    for (Valve v : view.valves()) {
      double[] p1 = place(v.x1(), v.y1(), cx, cy, cos, sin);
      double[] p2 = place(v.x2(), v.y2(), cx, cy, cos, sin);
      double open = Math.toRadians(70) * (v.semilunar() ? systole : 1 - systole);
      double ux = p2[0] - p1[0];
      double uy = p2[1] - p1[1];
      double len = Math.hypot(ux, uy);
      ux /= len;
      uy /= len;
      double nx = -uy * v.openSign();
      double ny = ux * v.openSign();
      double leaf = 0.52 * len;
      double dx1 = Math.cos(open) * ux + Math.sin(open) * nx;
      double dy1 = Math.cos(open) * uy + Math.sin(open) * ny;
      double dx2 = -Math.cos(open) * ux + Math.sin(open) * nx;
      double dy2 = -Math.cos(open) * uy + Math.sin(open) * ny;
      segment(echo, p1[0], p1[1], p1[0] + leaf * dx1, p1[1] + leaf * dy1, 1.8, VALVE);
      segment(echo, p2[0], p2[1], p2[0] + leaf * dx2, p2[1] + leaf * dy2, 1.8, VALVE);
    }
    for (Blob b : view.blobs()) {
      double[] p = place(b.cx(), b.cy(), cx, cy, cos, sin);
      double r = b.r() * scale * (1 + 0.3 * systole);
      ellipseFill(echo, p[0], p[1], r, r, b.intensity());
    }
  }

  private double[] place(double x, double y, double cx, double cy, double cos, double sin) {
    double px = x * scale;
    double py = y * scale;
    return new double[] {cx + cos * px - sin * py, cy + sin * px + cos * py};
  }

  private static final double[] ROUND = new double[5];

  /**
   * Pass 1 ({@code wall}): the bright myocardial ring; pass 2: the dark blood pool. {@code shape}
   * bends the ellipse: 2nd and 3rd harmonics of its boundary (cos and sin parts) and a taper that
   * narrows a ventricle towards its apex, so that no two hearts are the same clean ellipses.
   */
  private static void ellipse(float[] echo, Chamber c, double[] shape, boolean wall) {
    double a = Math.toRadians(c.angleDeg());
    double cos = Math.cos(a);
    double sin = Math.sin(a);
    double w = wall ? c.wall() : 0;
    double reach = Math.max(c.rx(), c.ry()) + w + 2;
    int x0 = Math.max(0, (int) (c.cx() - reach));
    int x1 = Math.min(SIZE - 1, (int) (c.cx() + reach));
    int y0 = Math.max(0, (int) (c.cy() - reach));
    int y1 = Math.min(SIZE - 1, (int) (c.cy() + reach));
    double mean = (c.rx() + c.ry()) / 2;
    double edge = 1.2 / mean; // about one pixel of soft edge, in normalised radius
    double intensity = c.role() == Role.VENTRICLE ? MYOCARDIUM : MYOCARDIUM * 0.8;
    for (int y = y0; y <= y1; y++) {
      for (int x = x0; x <= x1; x++) {
        double dx = x - c.cx();
        double dy = y - c.cy();
        double v = (-sin * dx + cos * dy) / c.ry();
        double u = (cos * dx + sin * dy) / c.rx() / Math.max(0.3, 1 + shape[4] * v);
        double d2 = u * u + v * v;
        double d = Math.sqrt(d2);
        if (d > 1e-6) {
          // cos 2φ, sin 2φ, cos 3φ, sin 3φ of the pixel's angle, without atan2.
          double c2 = (u * u - v * v) / d2;
          double s2 = 2 * u * v / d2;
          double c3 = (u * u * u - 3 * u * v * v) / (d2 * d);
          double s3 = (3 * u * u * v - v * v * v) / (d2 * d);
          d /= 1 + shape[0] * c2 + shape[1] * s2 + shape[2] * c3 + shape[3] * s3;
        }
        int i = y * SIZE + x;
        if (wall) {
          double outer = 1 + w / mean;
          double alpha = clamp((outer - d) / edge + 0.5);
          echo[i] = (float) Math.max(echo[i], intensity * alpha + echo[i] * 0.3 * alpha);
        } else {
          double alpha = clamp((1 - d) / edge + 0.5);
          echo[i] = (float) (echo[i] * (1 - alpha) + BLOOD * alpha);
        }
      }
    }
  }

  private static void ellipseFill(
      float[] echo, double cx, double cy, double rx, double ry, double intensity) {
    int x0 = Math.max(0, (int) (cx - rx - 2));
    int x1 = Math.min(SIZE - 1, (int) (cx + rx + 2));
    int y0 = Math.max(0, (int) (cy - ry - 2));
    int y1 = Math.min(SIZE - 1, (int) (cy + ry + 2));
    for (int y = y0; y <= y1; y++) {
      for (int x = x0; x <= x1; x++) {
        double u = (x - cx) / rx;
        double v = (y - cy) / ry;
        double alpha = clamp((1 - Math.sqrt(u * u + v * v)) * rx + 0.5);
        int i = y * SIZE + x;
        echo[i] = (float) Math.max(echo[i], intensity * alpha);
      }
    }
  }

  private static void segment(
      float[] echo, double x1, double y1, double x2, double y2, double width, double intensity) {
    int xa = Math.max(0, (int) (Math.min(x1, x2) - width - 2));
    int xb = Math.min(SIZE - 1, (int) (Math.max(x1, x2) + width + 2));
    int ya = Math.max(0, (int) (Math.min(y1, y2) - width - 2));
    int yb = Math.min(SIZE - 1, (int) (Math.max(y1, y2) + width + 2));
    double dx = x2 - x1;
    double dy = y2 - y1;
    double len2 = Math.max(1e-9, dx * dx + dy * dy);
    for (int y = ya; y <= yb; y++) {
      for (int x = xa; x <= xb; x++) {
        double t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / len2));
        double ex = x - (x1 + t * dx);
        double ey = y - (y1 + t * dy);
        double dist = Math.sqrt(ex * ex + ey * ey);
        double alpha = clamp(width / 2 - dist + 0.5);
        int i = y * SIZE + x;
        echo[i] = (float) Math.max(echo[i], intensity * alpha);
      }
    }
  }

  private void noOrgan(float[] echo) {
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        int i = y * SIZE + x;
        double r = radius[i];
        double theta = angle[i];
        double v = echo[i];
        for (double layer : layers) {
          double d = Math.abs(r - layer - 6 * Math.sin(theta * 0.08 + layer));
          if (d < 2.5) {
            v = Math.max(v, 0.45 * (1 - d / 2.5) + v * 0.5);
          }
        }
        if (lung && r > layers[0]) {
          // Pleura, then reverberation A-lines at multiples of its depth over dark lung.
          double pleura = layers[0];
          v = 0.07 + 0.3 * (v - TISSUE);
          for (int k = 1; k <= 4; k++) {
            double d = Math.abs(r - pleura * (k + 1));
            if (d < 2) {
              v = Math.max(v, (0.4 / k) * (1 - d / 2));
            }
          }
          if (Math.abs(r - pleura) < 2.5) {
            v = 0.6;
          }
        }
        if (Math.abs(theta - ribAngle) < 7 && r > 40) {
          v = r < 46 ? 0.6 : v * 0.35; // rib surface, then its acoustic shadow
        }
        echo[i] = (float) v;
      }
    }
    for (double[] vessel : vessels) {
      Chamber c = new Chamber(vessel[0], vessel[1], vessel[2], vessel[2] * 0.8, 0, 2, Role.VESSEL);
      ellipse(echo, c, ROUND, true);
      ellipse(echo, c, ROUND, false);
    }
  }

  /** Speckle, attenuation, gain, noise, log compression, sector mask, depth dots and marker. */
  private byte[] image(float[] echo) {
    int[] sector = sectorPixels(site);
    // Rayleigh speckle, correlated laterally by a running box sum over the site's speckle length.
    float[] speckle = new float[SIZE * SIZE];
    for (int i : sector) {
      speckle[i] = RAYLEIGH[random.nextInt() & 0xFFFF];
    }
    int len = site.speckleLength();
    int half = len / 2;
    // Averaging shrinks the spread; stretch it back so every site has speckle of similar contrast.
    double stretch = Math.sqrt(len) * 0.8 / 1.2533;
    float[] blurred = new float[SIZE * SIZE];
    for (int y = 0; y < SIZE; y++) {
      int row = y * SIZE;
      double sum = 0;
      for (int x = 0; x < Math.min(half, SIZE); x++) {
        sum += speckle[row + x];
      }
      for (int x = 0; x < SIZE; x++) {
        if (x + half < SIZE) {
          sum += speckle[row + x + half];
        }
        if (x - half - 1 >= 0) {
          sum -= speckle[row + x - half - 1];
        }
        blurred[row + x] = (float) (1 + (sum / len * 1.2533 - 1.2533) * stretch);
      }
    }
    byte[] out = new byte[SIZE * SIZE];
    double halfAngle = site.halfAngleDeg();
    double depth = site.depth();
    double noise = site.noise() * noiseBoost;
    boolean shadow = !Double.isNaN(shadowAngle);
    for (int i : sector) {
      double r = radius[i];
      double theta = angle[i];
      double inside =
          clamp(Math.min(halfAngle - Math.abs(theta), (depth - r) / 3) * 1.5 + 0.5)
              * clamp((r - 6) / 3);
      double a = echo[i] * Math.max(0, blurred[i]) * gain * attenuation[i];
      if (shadow && r > 50 && Math.abs(theta - shadowAngle) < shadowWidth) {
        a *= 0.15;
      }
      for (double d : dropout) {
        if (Math.abs(theta - d) < 4) {
          a *= 0.4;
        }
      }
      a += noise * HALF_NORMAL[random.nextInt() & 0xFFFF];
      double pos = Math.max(0, Math.min(a, LUT_MAX)) * LUT_STEPS;
      int k = (int) pos;
      double v = (compression[k] + (pos - k) * (compression[k + 1] - compression[k])) * inside;
      out[i] = (byte) Math.round(clamp(v) * 255);
    }
    overlay(out);
    return out;
  }

  /** Site furniture: depth-scale dots along the sector's right edge and the orientation marker. */
  private void overlay(byte[] out) {
    double a = Math.toRadians(site.halfAngleDeg() + 3);
    for (int r = site.tickSpacing(); r < site.depth(); r += site.tickSpacing()) {
      int x = (int) Math.round(SIZE / 2.0 + Math.sin(a) * r);
      int y = (int) Math.round(site.apexY() + Math.cos(a) * r);
      dot(out, x, y, 1);
    }
    int mx = site.markerLeft() ? SIZE / 2 - 40 : SIZE / 2 + 40;
    dot(out, mx, (int) Math.max(3, site.apexY() + 4), 2);
  }

  private static void dot(byte[] out, int cx, int cy, int radius) {
    for (int y = cy - radius; y <= cy + radius; y++) {
      for (int x = cx - radius; x <= cx + radius; x++) {
        if (x >= 0 && x < SIZE && y >= 0 && y < SIZE) {
          out[y * SIZE + x] = (byte) 230;
        }
      }
    }
  }

  private static double clamp(double v) {
    return v < 0 ? 0 : v > 1 ? 1 : v;
  }
}
