package io.labelcurve.activities.framestore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One shard of the frame store as a NumPy {@code .npy} file (format 1.0): a C-order {@code uint8}
 * array of shape {@code (n, size, size)}, so {@code numpy.load(path)} (or {@code numpy.load(path,
 * mmap_mode="r")}) gives the frames as they are. The data starts on a 64-byte boundary, as NumPy
 * writes it, so frame {@code k} is the bytes {@code [dataOffset + k * size * size, dataOffset + (k
 * + 1) * size * size)}.
 */
public final class FrameShardFile {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern HEADER =
      Pattern.compile(
          "\\{'descr': '\\|u1', 'fortran_order': False, 'shape': \\((\\d+), (\\d+), (\\d+)\\), \\}"
              + " *\\n");

  private FrameShardFile() {}

  /** A shard's bytes: {@code frames} each {@code size * size} bytes, row-major. */
  public static byte[] write(byte[][] frames, int size) {
    String dict =
        "{'descr': '|u1', 'fortran_order': False, 'shape': ("
            + frames.length
            + ", "
            + size
            + ", "
            + size
            + "), }";
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int padding = (64 - unpadded % 64) % 64;
    byte[] header = (dict + " ".repeat(padding) + "\n").getBytes(StandardCharsets.US_ASCII);
    int plane = size * size;
    byte[] out = new byte[MAGIC.length + 4 + header.length + frames.length * plane];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    out[6] = 1;
    out[7] = 0;
    out[8] = (byte) (header.length & 0xff);
    out[9] = (byte) ((header.length >> 8) & 0xff);
    System.arraycopy(header, 0, out, 10, header.length);
    int at = 10 + header.length;
    for (byte[] f : frames) {
      if (f.length != plane) {
        throw new IllegalArgumentException("a frame of " + f.length + " bytes, not " + plane);
      }
      System.arraycopy(f, 0, out, at, plane);
      at += plane;
    }
    return out;
  }

  /** Where the frames of a shard file start, after checking its header. */
  public record Layout(int frames, int size, int dataOffset) {}

  /**
   * Reads and checks a shard's header: {@code uint8}, C order, {@code (n, size, size)}, and the
   * file exactly that long.
   *
   * @throws IOException naming {@code describe} when it is anything else
   */
  public static Layout layout(byte[] npy, String describe) throws IOException {
    if (npy.length < 10) {
      throw new IOException(describe + ": not a frame shard (" + npy.length + " bytes)");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (npy[i] != MAGIC[i]) {
        throw new IOException(describe + ": not a .npy file");
      }
    }
    int len = (npy[8] & 0xff) | ((npy[9] & 0xff) << 8);
    if (npy[6] != 1 || 10 + len > npy.length) {
      throw new IOException(describe + ": unexpected .npy version or header length");
    }
    String dict = new String(npy, 10, len, StandardCharsets.US_ASCII);
    Matcher m = HEADER.matcher(dict);
    if (!m.matches() || !m.group(2).equals(m.group(3))) {
      throw new IOException(describe + ": not a (n, size, size) uint8 array: " + dict.strip());
    }
    int n = Integer.parseInt(m.group(1));
    int size = Integer.parseInt(m.group(2));
    int offset = 10 + len;
    if ((long) n * size * size != npy.length - offset) {
      throw new IOException(
          describe + ": holds " + (npy.length - offset) + " data bytes, not " + n + " frames");
    }
    return new Layout(n, size, offset);
  }
}
