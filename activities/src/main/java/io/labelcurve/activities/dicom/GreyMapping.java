package io.labelcurve.activities.dicom;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * 9-16 bit grey samples to 8 bits: Modality LUT as rescale slope and intercept (PS3.3 C.11.1), then
 * the VOI window's linear function when the file has a window (PS3.3 C.11.2.1.2.1), else a linear
 * map of the whole file's value range (so that every frame of a cine loop gets the same mapping).
 */
final class GreyMapping {
  private final int bitsStored;
  private final boolean signed;
  private final double slope;
  private final double intercept;
  private final double low;
  private final double high;
  private final boolean window;
  private final double center;
  private final double width;

  private GreyMapping(
      int bitsStored,
      boolean signed,
      double slope,
      double intercept,
      double low,
      double high,
      boolean window,
      double center,
      double width) {
    this.bitsStored = bitsStored;
    this.signed = signed;
    this.slope = slope;
    this.intercept = intercept;
    this.low = low;
    this.high = high;
    this.window = window;
    this.center = center;
    this.width = width;
  }

  static GreyMapping of(
      Supplier<List<byte[]>> frames,
      int bitsStored,
      boolean signed,
      double slope,
      double intercept,
      Optional<Double> center,
      Optional<Double> width) {
    if (center.isPresent() && width.isPresent() && width.get() >= 1) {
      return new GreyMapping(
          bitsStored, signed, slope, intercept, 0, 0, true, center.get(), width.get());
    }
    GreyMapping raw = new GreyMapping(bitsStored, signed, slope, intercept, 0, 0, false, 0, 0);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (byte[] frame : frames.get()) {
      for (int i = 0; i + 1 < frame.length; i += 2) {
        double v = raw.modality(frame, i);
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    return new GreyMapping(bitsStored, signed, slope, intercept, min, max, false, 0, 0);
  }

  private double modality(byte[] samples, int at) {
    int stored = ((samples[at] & 0xFF) | (samples[at + 1] & 0xFF) << 8) & ((1 << bitsStored) - 1);
    if (signed && (stored & (1 << (bitsStored - 1))) != 0) {
      stored -= 1 << bitsStored;
    }
    return stored * slope + intercept;
  }

  /** One frame's little-endian 16-bit samples to 8-bit grey, MONOCHROME1 inverted. */
  byte[] apply(byte[] samples, boolean inverted) {
    byte[] out = new byte[samples.length / 2];
    for (int p = 0; p < out.length; p++) {
      double x = modality(samples, 2 * p);
      double y;
      if (window) {
        double lower = center - 0.5 - (width - 1) / 2;
        double upper = center - 0.5 + (width - 1) / 2;
        y = x <= lower ? 0 : x > upper ? 255 : ((x - (center - 0.5)) / (width - 1) + 0.5) * 255;
      } else {
        y = high > low ? (x - low) * 255 / (high - low) : 0;
      }
      int v = (int) Math.round(Math.max(0, Math.min(255, y)));
      out[p] = (byte) (inverted ? 255 - v : v);
    }
    return out;
  }
}
