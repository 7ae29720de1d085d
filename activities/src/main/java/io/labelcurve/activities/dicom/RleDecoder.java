package io.labelcurve.activities.dicom;

import io.labelcurve.activities.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * RLE Lossless (PS3.5 Annex G): a frame is a 64-byte header (the number of segments, then up to 15
 * segment offsets, G.5) and one PackBits-coded segment per byte of every sample (G.3), most
 * significant byte first, sample after sample (G.2).
 */
final class RleDecoder {
  private RleDecoder() {}

  /**
   * One frame's samples, interleaved and little endian, as native pixel data with Planar
   * Configuration 0.
   */
  static byte[] decode(
      String file,
      int frame,
      byte[] encoded,
      int width,
      int height,
      int samples,
      int bytesPerSample) {
    String where = file + ", frame " + frame + ": RLE ";
    if (encoded.length < 64) {
      throw new BadInputException(
          where + "segment header is cut off (" + encoded.length + " bytes, PS3.5 G.5)");
    }
    ByteBuffer header = ByteBuffer.wrap(encoded, 0, 64).order(ByteOrder.LITTLE_ENDIAN);
    int segments = header.getInt();
    int expected = samples * bytesPerSample;
    if (segments != expected) {
      throw new BadInputException(
          where
              + "frame has "
              + segments
              + " segments, "
              + samples
              + " samples of "
              + bytesPerSample
              + " bytes need "
              + expected
              + " (PS3.5 G.2)");
    }
    long[] offsets = new long[segments + 1];
    for (int s = 0; s < segments; s++) {
      offsets[s] = header.getInt() & 0xFFFF_FFFFL;
    }
    offsets[segments] = encoded.length;
    int pixels = width * height;
    byte[] out = new byte[pixels * expected];
    byte[] segment = new byte[pixels];
    for (int s = 0; s < segments; s++) {
      if (offsets[s] < 64
          || (offsets[s] > offsets[s + 1] && s + 1 < segments)
          || offsets[s] > encoded.length) {
        throw new BadInputException(
            where + "segment " + (s + 1) + " offset " + offsets[s] + " is outside the frame");
      }
      int end = (int) Math.max(offsets[s], Math.min(offsets[s + 1], encoded.length));
      unpack(where + "segment " + (s + 1), encoded, (int) offsets[s], end, segment);
      int sample = s / bytesPerSample;
      int byteOfSample =
          bytesPerSample - 1 - s % bytesPerSample; // MSB segment first, stored little endian
      for (int p = 0; p < pixels; p++) {
        out[(p * samples + sample) * bytesPerSample + byteOfSample] = segment[p];
      }
    }
    return out;
  }

  /**
   * PackBits (PS3.5 G.3.2): n in 0..127 copies n+1 bytes, -127..-1 repeats one byte 1-n times, -128
   * is a no-op.
   */
  private static void unpack(String where, byte[] in, int from, int to, byte[] out) {
    int o = 0;
    int i = from;
    while (o < out.length) {
      if (i >= to) {
        throw new BadInputException(
            where + " decodes to " + o + " bytes, " + out.length + " expected (truncated?)");
      }
      int n = in[i++];
      if (n >= 0) {
        int count = n + 1;
        if (i + count > to || o + count > out.length) {
          throw new BadInputException(where + " has a literal run past its end (corrupt)");
        }
        System.arraycopy(in, i, out, o, count);
        i += count;
        o += count;
      } else if (n != -128) {
        int count = 1 - n;
        if (i >= to || o + count > out.length) {
          throw new BadInputException(where + " has a replicate run past its end (corrupt)");
        }
        java.util.Arrays.fill(out, o, o + count, in[i++]);
        o += count;
      }
    }
  }
}
