package io.labelcurve.activities.image;

import io.labelcurve.activities.Sha256;
import io.labelcurve.workflows.spec.AugmentationSpec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The paper's four augmented variants of every training frame: {@code #v1} and {@code #v2} small
 * tilts (rotation about the centre; v1 clockwise, v2 counter-clockwise, so the two never coincide),
 * {@code #v3} and {@code #v4} width resamplings (v3 narrower, v4 wider, about the centre, cropped
 * or padded with black back to the original width).
 *
 * <p>Each variant's parameters are drawn from a {@link SplittableRandom} seeded by a stable hash
 * (SHA-256) of the variant's id {@code path#vK}, so a variant is the same image in every JVM, on
 * every worker and in every sweep, and embeddings of it can be cached.
 *
 * <p>The magnitudes are the spec's {@code augmentation} ({@link AugmentationSpec}); the paper
 * states none, so {@link #DEFAULT}'s 3–8° tilts and ×0.85–0.95 / ×1.05–1.15 widths are an
 * assumption. Other magnitudes make other images from the same ids: {@link #cacheTag} keeps their
 * embeddings apart.
 */
public final class Augmentation {
  /** Variants per original frame. */
  public static final int VARIANTS = 4;

  /** Smallest and largest tilt of the default, in degrees. */
  public static final double MIN_TILT_DEG = 3, MAX_TILT_DEG = 8;

  /** Width factors of the default: v3 in [0.85, 0.95], v4 in [1.05, 1.15]. */
  public static final double MIN_WIDTH_FACTOR = 0.85, MAX_WIDTH_FACTOR = 1.15;

  /** The default magnitudes ({@link AugmentationSpec#DEFAULT}). */
  public static final Augmentation DEFAULT = new Augmentation(AugmentationSpec.DEFAULT);

  private static final Pattern VARIANT_SUFFIX = Pattern.compile("^(.*)#v([0-9]+)$");

  private final AugmentationSpec spec;

  private Augmentation(AugmentationSpec spec) {
    this.spec = spec;
  }

  /**
   * The variants a spec asks for (null: the default).
   *
   * @throws IllegalArgumentException when the magnitudes are unusable, naming the field
   */
  public static Augmentation of(AugmentationSpec spec) {
    AugmentationSpec s = AugmentationSpec.orDefault(spec);
    var problems = s.problems("augmentation");
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          problems.get(0).field() + ": " + problems.get(0).message());
    }
    return s.standard() ? DEFAULT : new Augmentation(s);
  }

  public AugmentationSpec spec() {
    return spec;
  }

  /** Whether the training pool holds variants at all. */
  public boolean hasVariants() {
    return spec.variants();
  }

  /**
   * What a training pool's embeddings add to their split's cache key: nothing for the default (so
   * the caches made before magnitudes could be chosen stay valid), {@code noaug} without variants,
   * else {@code aug-} and 12 hex digits of SHA-256 over the magnitudes.
   */
  public String cacheTag() {
    if (spec.standard()) {
      return "";
    }
    if (!spec.variants()) {
      return "noaug";
    }
    String canonical =
        String.format(
            Locale.ROOT,
            "tilt=%s..%s;narrow=%s..%s;wide=%s..%s",
            spec.tiltDegrees().min(),
            spec.tiltDegrees().max(),
            spec.narrowWidth().min(),
            spec.narrowWidth().max(),
            spec.wideWidth().min(),
            spec.wideWidth().max());
    return "aug-" + Sha256.hex(canonical.getBytes(StandardCharsets.UTF_8)).substring(0, 12);
  }

  /** The split segment of a training pool's cache key: {@code split}, or {@code split@tag}. */
  public String cacheSplit(String split) {
    String tag = cacheTag();
    return tag.isEmpty() ? split : split + "@" + tag;
  }

  /** An image id split into the original's path and the variant (0 for the original itself). */
  public record ImageId(String path, int variant) {
    public ImageId {
      if (variant < 0 || variant > VARIANTS) {
        throw new IllegalArgumentException(
            "variant " + variant + " of " + path + " is not 0.." + VARIANTS);
      }
    }

    /** {@code path} for the original, {@code path#vK} for variant K. */
    public String id() {
      return variant == 0 ? path : path + "#v" + variant;
    }
  }

  /** Parses {@code path} or {@code path#vK}. */
  public static ImageId parse(String imageId) {
    Matcher m = VARIANT_SUFFIX.matcher(imageId);
    if (m.matches()) {
      int v = Integer.parseInt(m.group(2));
      if (v < 1 || v > VARIANTS) {
        throw new IllegalArgumentException(
            "image id " + imageId + " names variant " + v + "; variants are #v1 to #v" + VARIANTS);
      }
      return new ImageId(m.group(1), v);
    }
    return new ImageId(imageId, 0);
  }

  /** {@code path#vK}. */
  public static String variantId(String path, int variant) {
    return new ImageId(path, variant).id();
  }

  /**
   * The default's parameter of a variant: a tilt in degrees (v1, v2) or a width factor (v3, v4).
   */
  public static double parameter(String path, int variant) {
    return DEFAULT.parameterOf(path, variant);
  }

  /**
   * The parameter a variant applies: a tilt in degrees (v1, v2) or a width factor (v3, v4), the
   * first draw of its seeded generator scaled into the range (the default's values are the ones
   * drawn before the ranges could be chosen).
   */
  public double parameterOf(String path, int variant) {
    if (!spec.variants()) {
      throw new IllegalStateException(
          "augmentation 'none' has no variant " + variant + " of " + path);
    }
    SplittableRandom random = new SplittableRandom(stableSeed(variantId(path, variant)));
    return switch (variant) {
      case 1 -> -draw(random, spec.tiltDegrees());
      case 2 -> draw(random, spec.tiltDegrees());
      case 3 -> draw(random, spec.narrowWidth());
      case 4 -> draw(random, spec.wideWidth());
      default ->
          throw new IllegalArgumentException("variant " + variant + " is not 1.." + VARIANTS);
    };
  }

  private static double draw(SplittableRandom random, AugmentationSpec.Range r) {
    return r.min() == r.max() ? r.min() : random.nextDouble(r.min(), r.max());
  }

  /** The default's variant {@code variant} (1..4) of {@code original}; see {@link #applyTo}. */
  public static GreyImage apply(GreyImage original, String path, int variant) {
    return DEFAULT.applyTo(original, path, variant);
  }

  /**
   * Variant {@code variant} (1..4) of the original frame {@code original} whose path is {@code
   * path}. The original is not modified.
   */
  public GreyImage applyTo(GreyImage original, String path, int variant) {
    double p = parameterOf(path, variant);
    return variant <= 2 ? rotate(original, p) : stretchWidth(original, p);
  }

  /**
   * Rotation about the centre by {@code degrees} (positive counter-clockwise on screen), black
   * outside.
   */
  public static GreyImage rotate(GreyImage image, double degrees) {
    int w = image.width();
    int h = image.height();
    double a = Math.toRadians(degrees);
    double cos = Math.cos(a);
    double sin = Math.sin(a);
    double cx = (w - 1) / 2.0;
    double cy = (h - 1) / 2.0;
    float[] out = new float[w * h];
    for (int y = 0; y < h; y++) {
      double dy = y - cy;
      for (int x = 0; x < w; x++) {
        double dx = x - cx;
        // Inverse mapping: where in the source does this output pixel come from.
        double sx = cx + cos * dx - sin * dy;
        double sy = cy + sin * dx + cos * dy;
        out[y * w + x] = bilinear(image, sx, sy);
      }
    }
    return new GreyImage(w, h, out);
  }

  /**
   * Resamples the width by {@code factor} about the centre column; same size, black where padded.
   */
  public static GreyImage stretchWidth(GreyImage image, double factor) {
    int w = image.width();
    int h = image.height();
    double cx = (w - 1) / 2.0;
    float[] out = new float[w * h];
    for (int x = 0; x < w; x++) {
      double sx = cx + (x - cx) / factor;
      for (int y = 0; y < h; y++) {
        out[y * w + x] = bilinear(image, sx, y);
      }
    }
    return new GreyImage(w, h, out);
  }

  /** Bilinear sample; 0 (black, as outside an ultrasound sector) beyond the image. */
  private static float bilinear(GreyImage image, double x, double y) {
    int w = image.width();
    int h = image.height();
    if (x < -0.5 || y < -0.5 || x > w - 0.5 || y > h - 0.5) {
      return 0f;
    }
    x = Math.max(0, Math.min(w - 1, x));
    y = Math.max(0, Math.min(h - 1, y));
    int x0 = (int) x;
    int y0 = (int) y;
    int x1 = Math.min(w - 1, x0 + 1);
    int y1 = Math.min(h - 1, y0 + 1);
    double tx = x - x0;
    double ty = y - y0;
    float[] p = image.pixels();
    double top = (1 - tx) * p[y0 * w + x0] + tx * p[y0 * w + x1];
    double bottom = (1 - tx) * p[y1 * w + x0] + tx * p[y1 * w + x1];
    return (float) ((1 - ty) * top + ty * bottom);
  }

  /**
   * First 8 bytes of SHA-256 of the UTF-8 text: the same in every JVM, unlike String.hashCode's
   * spread.
   */
  static long stableSeed(String text) {
    return Sha256.seed(text);
  }
}
