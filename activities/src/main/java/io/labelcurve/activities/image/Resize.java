package io.labelcurve.activities.image;

/**
 * Resizes a grey image, one axis at a time: area-averaging along an axis that shrinks (every source
 * pixel contributes by the fraction it covers, so a large frame does not alias) and bilinear along
 * an axis that grows (pixel centres aligned, edges clamped).
 */
public final class Resize {
  private Resize() {}

  /**
   * The image at {@code width × height}; the same pixels (copied) when the size already matches.
   */
  public static GreyImage to(GreyImage image, int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("target size " + width + "x" + height);
    }
    if (image.width() == width && image.height() == height) {
      return new GreyImage(width, height, image.pixels().clone());
    }
    // Horizontal pass: height rows of image.width() -> width.
    float[] horizontal = new float[width * image.height()];
    resampleAxis(
        image.pixels(),
        image.width(),
        image.height(),
        1,
        image.width(),
        horizontal,
        width,
        1,
        width);
    // Vertical pass: columns of image.height() -> height.
    float[] out = new float[width * height];
    resampleAxis(horizontal, image.height(), width, width, 1, out, height, width, 1);
    return new GreyImage(width, height, out);
  }

  /**
   * Resamples {@code lines} lines of {@code n} samples into lines of {@code m} samples. A sample i
   * of line l sits at {@code src[l * srcLineStride + i * srcStep]}.
   */
  private static void resampleAxis(
      float[] src,
      int n,
      int lines,
      int srcStep,
      int srcLineStride,
      float[] dst,
      int m,
      int dstStep,
      int dstLineStride) {
    if (m == n) {
      for (int l = 0; l < lines; l++) {
        for (int i = 0; i < n; i++) {
          dst[l * dstLineStride + i * dstStep] = src[l * srcLineStride + i * srcStep];
        }
      }
    } else if (m < n) {
      double scale = (double) n / m;
      for (int l = 0; l < lines; l++) {
        int base = l * srcLineStride;
        for (int j = 0; j < m; j++) {
          double lo = j * scale;
          double hi = lo + scale;
          int first = (int) Math.floor(lo);
          int last = Math.min(n - 1, (int) Math.ceil(hi) - 1);
          double sum = 0;
          for (int i = first; i <= last; i++) {
            double cover = Math.min(hi, i + 1) - Math.max(lo, i);
            sum += cover * src[base + i * srcStep];
          }
          dst[l * dstLineStride + j * dstStep] = (float) (sum / scale);
        }
      }
    } else {
      double scale = (double) n / m;
      for (int l = 0; l < lines; l++) {
        int base = l * srcLineStride;
        for (int j = 0; j < m; j++) {
          double x = (j + 0.5) * scale - 0.5;
          x = Math.max(0, Math.min(n - 1, x));
          int i0 = (int) Math.floor(x);
          int i1 = Math.min(n - 1, i0 + 1);
          double t = x - i0;
          dst[l * dstLineStride + j * dstStep] =
              (float) ((1 - t) * src[base + i0 * srcStep] + t * src[base + i1 * srcStep]);
        }
      }
    }
  }
}
