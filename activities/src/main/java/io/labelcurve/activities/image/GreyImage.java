package io.labelcurve.activities.image;

/**
 * A grey image with intensities in [0, 1], row-major. The protocol's images are 256×256 after
 * loading; preprocessing for a model (crop, channels, normalisation) starts from this.
 *
 * @param width columns
 * @param height rows
 * @param pixels {@code width * height} intensities, row-major
 */
public record GreyImage(int width, int height, float[] pixels) {
  public GreyImage {
    if (pixels.length != width * height) {
      throw new IllegalArgumentException(
          "pixels has " + pixels.length + " values for " + width + "x" + height);
    }
  }

  public float at(int x, int y) {
    return pixels[y * width + x];
  }
}
