package io.labelcurve.activities.image;

import io.labelcurve.activities.BadInputException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A direct decoder for the one PNG kind that ultrasound frames nearly always are: 8-bit greyscale
 * (colour type 0), not interlaced. It inflates the IDAT stream with {@link Inflater} and undoes the
 * row filters in place, straight into the sample bytes, with none of ImageIO's per-image reader
 * lookup, stream wrappers and {@code BufferedImage} allocation (measured in docs/BENCHMARKS.md,
 * "Frame store": several times faster than ImageIO on the phantom's frames).
 *
 * <p>Its samples are ImageIO's for the same file ({@code ImageDecoderTest} and {@code
 * FrameStoreTest} compare them). Every other PNG kind — colour, palette, 16-bit, interlaced — is
 * not handled here: {@link #decode} returns null and the caller uses ImageIO.
 */
public final class PngGrey8 {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  private static final int IHDR = 0x49484452;
  private static final int IDAT = 0x49444154;
  private static final int IEND = 0x49454e44;

  private PngGrey8() {}

  /** Samples of an 8-bit grey image, row-major, one byte (0..255) each. */
  public record Samples(int width, int height, byte[] bytes) {}

  /**
   * The samples, or null when the bytes are a PNG of another kind (or no PNG at all: the caller's
   * ImageIO path then says what it is).
   *
   * @throws BadInputException when the file is an 8-bit grey PNG whose data is corrupt or
   *     truncated, or whose declared size is absurd
   */
  public static Samples decode(byte[] png, String describe) {
    if (png.length < 33 || !startsWithSignature(png)) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(png);
    b.position(8);
    int length = b.getInt();
    if (length != 13 || b.getInt() != IHDR) {
      return null;
    }
    int width = b.getInt();
    int height = b.getInt();
    int depth = b.get() & 0xff;
    int colourType = b.get() & 0xff;
    int compression = b.get() & 0xff;
    int filter = b.get() & 0xff;
    int interlace = b.get() & 0xff;
    if (depth != 8 || colourType != 0 || compression != 0 || filter != 0 || interlace != 0) {
      return null;
    }
    ImageDecoder.checkSize(width, height, describe);
    b.getInt(); // IHDR's CRC
    int stride = width + 1;
    byte[] raw = new byte[stride * height];
    Inflater inflater = new Inflater();
    try {
      int inflated = 0;
      boolean ended = false;
      while (!ended && b.remaining() >= 12) {
        int chunkLength = b.getInt();
        int type = b.getInt();
        if (chunkLength < 0 || chunkLength > b.remaining() - 4) {
          throw corrupt(describe, "a chunk runs past the end of the file (truncated?)");
        }
        if (type == IDAT) {
          inflater.setInput(png, b.position(), chunkLength);
          while (!inflater.needsInput() && inflated < raw.length && !inflater.finished()) {
            int n = inflater.inflate(raw, inflated, raw.length - inflated);
            inflated += n;
            if (n == 0 && inflater.needsDictionary()) {
              throw corrupt(describe, "the image data asks for a preset dictionary");
            }
          }
        } else if (type == IEND) {
          ended = true;
        }
        b.position(b.position() + chunkLength + 4); // data and CRC
      }
      if (inflated < raw.length) {
        throw corrupt(
            describe,
            "the image data ends after "
                + inflated
                + " of "
                + raw.length
                + " bytes (truncated file?)");
      }
    } catch (DataFormatException e) {
      throw corrupt(describe, "the image data is not a valid zlib stream (" + e.getMessage() + ")");
    } finally {
      inflater.end();
    }
    return new Samples(width, height, unfilter(raw, width, height, describe));
  }

  private static boolean startsWithSignature(byte[] png) {
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (png[i] != SIGNATURE[i]) {
        return false;
      }
    }
    return true;
  }

  /** Undoes PNG's per-row filters (one byte per pixel, so the "left" neighbour is 1 back). */
  private static byte[] unfilter(byte[] raw, int width, int height, String describe) {
    byte[] out = new byte[width * height];
    int stride = width + 1;
    for (int y = 0; y < height; y++) {
      int in = y * stride;
      int type = raw[in++];
      int o = y * width;
      int up = o - width;
      switch (type) {
        case 0 -> System.arraycopy(raw, in, out, o, width);
        case 1 -> {
          out[o] = raw[in];
          for (int x = 1; x < width; x++) {
            out[o + x] = (byte) (raw[in + x] + out[o + x - 1]);
          }
        }
        case 2 -> {
          if (y == 0) {
            System.arraycopy(raw, in, out, o, width);
          } else {
            for (int x = 0; x < width; x++) {
              out[o + x] = (byte) (raw[in + x] + out[up + x]);
            }
          }
        }
        case 3 -> {
          for (int x = 0; x < width; x++) {
            int left = x == 0 ? 0 : out[o + x - 1] & 0xff;
            int above = y == 0 ? 0 : out[up + x] & 0xff;
            out[o + x] = (byte) (raw[in + x] + ((left + above) >>> 1));
          }
        }
        case 4 -> {
          for (int x = 0; x < width; x++) {
            int a = x == 0 ? 0 : out[o + x - 1] & 0xff;
            int bb = y == 0 ? 0 : out[up + x] & 0xff;
            int c = x == 0 || y == 0 ? 0 : out[up + x - 1] & 0xff;
            out[o + x] = (byte) (raw[in + x] + paeth(a, bb, c));
          }
        }
        default ->
            throw corrupt(describe, "row " + y + " has an unknown filter type " + (type & 0xff));
      }
    }
    return out;
  }

  private static int paeth(int a, int b, int c) {
    int p = a + b - c;
    int pa = Math.abs(p - a);
    int pb = Math.abs(p - b);
    int pc = Math.abs(p - c);
    if (pa <= pb && pa <= pc) {
      return a;
    }
    return pb <= pc ? b : c;
  }

  private static BadInputException corrupt(String describe, String why) {
    // The wording of ImageDecoder's own failures, so a message does not depend on the path taken.
    return new BadInputException(
        describe + ": cannot decode the image (" + why + "); is it a valid PNG or JPEG?");
  }
}
