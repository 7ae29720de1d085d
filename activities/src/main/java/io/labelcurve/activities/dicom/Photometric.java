package io.labelcurve.activities.dicom;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.frames.Frame;

/**
 * Photometric Interpretation (0028,0004), PS3.3 C.7.6.3.1.2: how stored samples become grey or RGB.
 * The conversion follows the tag, never a decoder's guess from markers in the stream.
 */
enum Photometric {
  MONOCHROME1("MONOCHROME1", 1),
  MONOCHROME2("MONOCHROME2", 1),
  RGB("RGB", 3),
  YBR_FULL("YBR_FULL", 3),
  YBR_FULL_422("YBR_FULL_422", 3);

  final String name;
  final int samples;

  Photometric(String name, int samples) {
    this.name = name;
    this.samples = samples;
  }

  /** The interpretation a file declares, checked against its Samples per Pixel. */
  static Photometric of(String file, String value, int samplesPerPixel) {
    for (Photometric p : values()) {
      if (p.name.equals(value)) {
        if (p.samples != samplesPerPixel) {
          throw new BadInputException(
              file
                  + ": Photometric Interpretation "
                  + value
                  + " needs "
                  + p.samples
                  + " samples per pixel, the file has "
                  + samplesPerPixel);
        }
        return p;
      }
    }
    String why =
        value.isEmpty()
            ? "no Photometric Interpretation (0028,0004)"
            : "Photometric Interpretation " + value + " is not supported";
    throw new BadInputException(
        file
            + ": "
            + why
            + " (supported: MONOCHROME1, MONOCHROME2, RGB, YBR_FULL, "
            + "YBR_FULL_422; render PALETTE COLOR to RGB first, e.g. with DCMTK: dcm2pnm +on IN OUT.png)");
  }

  /** True when low values are bright (MONOCHROME1). */
  boolean inverted() {
    return this == MONOCHROME1;
  }

  /**
   * 8-bit samples of one frame, interleaved, to a grey or RGB frame.
   *
   * @param samples for YBR_FULL_422, either the native subsampled form (per two pixels: Y1 Y2 Cb
   *     Cr, {@code 2 * width * height} bytes) or a decoder's upsampled Y Cb Cr triples ({@code 3 *
   *     width * height})
   */
  Frame toFrame(String file, byte[] samples, int width, int height) {
    int pixels = width * height;
    return switch (this) {
      case MONOCHROME2 -> new Frame(width, height, 1, samples);
      case MONOCHROME1 -> {
        byte[] out = new byte[pixels];
        for (int i = 0; i < pixels; i++) {
          out[i] = (byte) (255 - (samples[i] & 0xFF));
        }
        yield new Frame(width, height, 1, out);
      }
      case RGB -> new Frame(width, height, 3, samples);
      case YBR_FULL -> new Frame(width, height, 3, ybrFullToRgb(samples));
      case YBR_FULL_422 -> {
        if (samples.length == 3 * pixels) {
          yield new Frame(width, height, 3, ybrFullToRgb(samples));
        }
        if (width % 2 != 0) {
          throw new BadInputException(
              file + ": YBR_FULL_422 needs an even number of columns, not " + width);
        }
        yield new Frame(width, height, 3, ybrFullToRgb(upsample422(samples, pixels)));
      }
    };
  }

  /**
   * PS3.3 C.7.6.3.1.2 YBR_FULL_422: each Cb, Cr pair serves the two pixels whose Y values precede
   * it.
   */
  static byte[] upsample422(byte[] samples, int pixels) {
    byte[] out = new byte[3 * pixels];
    for (int pair = 0; pair < pixels / 2; pair++) {
      byte y1 = samples[4 * pair];
      byte y2 = samples[4 * pair + 1];
      byte cb = samples[4 * pair + 2];
      byte cr = samples[4 * pair + 3];
      int o = 6 * pair;
      out[o] = y1;
      out[o + 1] = cb;
      out[o + 2] = cr;
      out[o + 3] = y2;
      out[o + 4] = cb;
      out[o + 5] = cr;
    }
    return out;
  }

  /**
   * PS3.3 C.7.6.3.1.2 YBR_FULL to RGB (the inverse of its equations, 8-bit, rounded and clamped).
   */
  static byte[] ybrFullToRgb(byte[] ybr) {
    byte[] rgb = new byte[ybr.length];
    for (int i = 0; i < ybr.length; i += 3) {
      double y = ybr[i] & 0xFF;
      double cb = (ybr[i + 1] & 0xFF) - 128.0;
      double cr = (ybr[i + 2] & 0xFF) - 128.0;
      rgb[i] = clamp(y + 1.402 * cr);
      rgb[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
      rgb[i + 2] = clamp(y + 1.772 * cb);
    }
    return rgb;
  }

  private static byte clamp(double v) {
    long r = Math.round(v);
    return (byte) (r < 0 ? 0 : r > 255 ? 255 : r);
  }
}
