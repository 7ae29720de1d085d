package io.labelcurve.activities.frames;

import java.util.Objects;

/**
 * One decoded 8-bit frame: grey (1 channel) or RGB (3 channels, interleaved), rows top to bottom.
 *
 * @param width pixels per row
 * @param height rows
 * @param channels 1 (grey) or 3 (RGB)
 * @param pixels {@code width * height * channels} bytes, unsigned
 */
public record Frame(int width, int height, int channels, byte[] pixels) {
  public Frame {
    Objects.requireNonNull(pixels, "pixels");
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, not " + channels);
    }
    if (width <= 0 || height <= 0 || (long) width * height * channels != pixels.length) {
      throw new IllegalArgumentException(
          width + "x" + height + "x" + channels + " does not match " + pixels.length + " bytes");
    }
  }

  /** The unsigned sample of channel {@code c} at ({@code x}, {@code y}). */
  public int sample(int x, int y, int c) {
    return pixels[(y * width + x) * channels + c] & 0xFF;
  }
}
