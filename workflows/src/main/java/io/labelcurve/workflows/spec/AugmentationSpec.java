package io.labelcurve.workflows.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The augmented variants of every training frame: two tilts (one each way) and two width
 * resamplings (one narrower, one wider), each drawn per frame from a range; or {@link #NONE}, no
 * variants (the training pool is the originals only). The paper names the kinds ("slight angle
 * tilts and resampling of widths", four variants per frame) but not the magnitudes: the ranges of
 * {@link #DEFAULT} are this implementation's assumption.
 *
 * @param variants whether there are variants at all; false for {@link #NONE}
 * @param tiltDegrees magnitude of the tilts in degrees, {@code (0, 45]}; v1 turns clockwise, v2
 *     counter-clockwise
 * @param narrowWidth width factor of v3, in {@code [0.5, 1)}
 * @param wideWidth width factor of v4, in {@code (1, 2]}
 */
public record AugmentationSpec(
    boolean variants, Range tiltDegrees, Range narrowWidth, Range wideWidth) {

  /** A closed range a parameter is drawn from, uniformly; {@code min == max} fixes it. */
  public record Range(double min, double max) {
    String text() {
      return min == max ? num(min) : "[" + num(min) + ", " + num(max) + "]";
    }
  }

  /** 3–8° tilts, ×0.85–0.95 and ×1.05–1.15 widths: an assumption, the paper gives no values. */
  public static final AugmentationSpec DEFAULT =
      new AugmentationSpec(true, new Range(3, 8), new Range(0.85, 0.95), new Range(1.05, 1.15));

  /** No augmented variants. */
  public static final AugmentationSpec NONE = new AugmentationSpec(false, null, null, null);

  /** The augmentation a spec asks for: {@link #DEFAULT} when it names none. */
  public static AugmentationSpec orDefault(AugmentationSpec a) {
    return a == null ? DEFAULT : a;
  }

  /** Whether these are the default variants (whose embeddings keep the cache keys they had). */
  public boolean standard() {
    return equals(DEFAULT);
  }

  /** A short human-readable form, e.g. for provenance. */
  public String describe() {
    if (!variants) {
      return "none";
    }
    return "tilt "
        + tiltDegrees.text()
        + " degrees each way, width x"
        + narrowWidth.text()
        + " and x"
        + wideWidth.text()
        + (standard() ? " (default; an assumption)" : "");
  }

  /**
   * What is wrong with it, each problem naming the field under {@code field}; empty when it can be
   * used.
   */
  public List<SpecProblemText> problems(String field) {
    List<SpecProblemText> out = new ArrayList<>();
    if (!variants) {
      if (tiltDegrees != null || narrowWidth != null || wideWidth != null) {
        out.add(new SpecProblemText(field, "'none' has no magnitudes"));
      }
      return out;
    }
    check(
        out,
        field + ".tilt_degrees",
        tiltDegrees,
        0,
        false,
        45,
        true,
        "a tilt of 0 makes the two tilted variants copies of the original; use"
            + " augmentation: none to train without variants");
    check(
        out,
        field + ".narrow_width",
        narrowWidth,
        0.5,
        true,
        1,
        false,
        "a factor of 1 is the original's width");
    check(
        out,
        field + ".wide_width",
        wideWidth,
        1,
        false,
        2,
        true,
        "a factor of 1 is the original's width");
    return out;
  }

  /** A problem as text, before the planner's {@code SpecProblem} wraps it. */
  public record SpecProblemText(String field, String message) {}

  private static void check(
      List<SpecProblemText> out,
      String field,
      Range r,
      double low,
      boolean lowIncluded,
      double high,
      boolean highIncluded,
      String why) {
    String allowed =
        (lowIncluded ? "[" : "(") + num(low) + ", " + num(high) + (highIncluded ? "]" : ")");
    if (r == null) {
      out.add(new SpecProblemText(field, "missing"));
      return;
    }
    if (!Double.isFinite(r.min()) || !Double.isFinite(r.max()) || r.min() > r.max()) {
      out.add(
          new SpecProblemText(
              field,
              "give [min, max] with min <= max, got [" + num(r.min()) + ", " + num(r.max()) + "]"));
      return;
    }
    for (double v : new double[] {r.min(), r.max()}) {
      boolean above = lowIncluded ? v >= low : v > low;
      boolean below = highIncluded ? v <= high : v < high;
      if (!above || !below) {
        out.add(
            new SpecProblemText(
                field,
                num(v)
                    + " is outside "
                    + allowed
                    + (v == low || v == high ? " (" + why + ")" : "")));
        return;
      }
    }
  }

  static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9
        ? String.valueOf((long) v)
        : String.format(Locale.ROOT, "%s", v);
  }
}
