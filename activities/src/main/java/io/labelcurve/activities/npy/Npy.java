package io.labelcurve.activities.npy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} (format 1.0) for the arrays labelcurve stores: 2-D little-endian float32
 * matrices (embeddings) and 1-D int32 vectors, C order. Written so that {@code numpy.load} opens
 * them as they are.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** Writes a {@code rows × cols} float32 matrix. */
  public static void writeFloats(OutputStream out, float[][] rows, int cols) throws IOException {
    writeHeader(out, "<f4", "(" + rows.length + ", " + cols + ")");
    ByteBuffer buf = ByteBuffer.allocate(cols * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : rows) {
      if (row.length != cols) {
        throw new IllegalArgumentException("row of " + row.length + " values, expected " + cols);
      }
      buf.clear();
      buf.asFloatBuffer().put(row);
      out.write(buf.array(), 0, cols * 4);
    }
  }

  /** The bytes of a float32 matrix file. */
  public static byte[] floatsToBytes(float[][] rows, int cols) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + rows.length * cols * 4);
    try {
      writeFloats(out, rows, cols);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  /** Writes an int32 vector. */
  public static void writeInts(OutputStream out, int[] values) throws IOException {
    writeHeader(out, "<i4", "(" + values.length + ",)");
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asIntBuffer().put(values);
    out.write(buf.array());
  }

  /** Reads a 2-D float32 (or float64, narrowed) C-order matrix. */
  public static float[][] readFloats(InputStream in) throws IOException {
    Header h = readHeader(in);
    if (h.shape.length != 2) {
      throw new IOException("expected a 2-D array, got shape of rank " + h.shape.length);
    }
    int rows = h.shape[0];
    int cols = h.shape[1];
    int width = h.itemSize();
    if (!h.descr.endsWith("f4") && !h.descr.endsWith("f8")) {
      throw new IOException("expected float32 or float64, got " + h.descr);
    }
    ByteOrder order = h.order();
    DataInputStream data = new DataInputStream(in);
    byte[] rowBytes = new byte[cols * width];
    float[][] out = new float[rows][cols];
    for (int r = 0; r < rows; r++) {
      data.readFully(rowBytes);
      ByteBuffer b = ByteBuffer.wrap(rowBytes).order(order);
      if (width == 4) {
        b.asFloatBuffer().get(out[r]);
      } else {
        for (int c = 0; c < cols; c++) {
          out[r][c] = (float) b.getDouble();
        }
      }
    }
    return out;
  }

  /** Reads a 1-D int32 or int64 vector (int64 values must fit an int). */
  public static int[] readInts(InputStream in) throws IOException {
    Header h = readHeader(in);
    if (h.shape.length != 1) {
      throw new IOException("expected a 1-D array, got shape of rank " + h.shape.length);
    }
    if (!h.descr.endsWith("i4") && !h.descr.endsWith("i8")) {
      throw new IOException("expected int32 or int64, got " + h.descr);
    }
    int n = h.shape[0];
    int width = h.itemSize();
    byte[] bytes = new DataInputStream(in).readNBytes(n * width);
    if (bytes.length != n * width) {
      throw new IOException("truncated .npy: " + bytes.length + " of " + n * width + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(h.order());
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = width == 4 ? b.getInt() : Math.toIntExact(b.getLong());
    }
    return out;
  }

  private static void writeHeader(OutputStream out, String descr, String shape) throws IOException {
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    // Pad with spaces so that the data starts on a 64-byte boundary, ending in '\n', as numpy does.
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int padding = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(padding) + "\n";
    out.write(MAGIC);
    out.write(1);
    out.write(0);
    int len = header.length();
    out.write(len & 0xff);
    out.write((len >> 8) & 0xff);
    out.write(header.getBytes(StandardCharsets.US_ASCII));
  }

  private record Header(String descr, int[] shape) {
    int itemSize() {
      return Integer.parseInt(descr.substring(2));
    }

    ByteOrder order() {
      return descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }
  }

  private static Header readHeader(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] magic = new byte[6];
    data.readFully(magic);
    for (int i = 0; i < MAGIC.length; i++) {
      if (magic[i] != MAGIC[i]) {
        throw new IOException("not a .npy file (bad magic)");
      }
    }
    int major = data.readUnsignedByte();
    data.readUnsignedByte();
    int len;
    if (major == 1) {
      len = data.readUnsignedByte() | (data.readUnsignedByte() << 8);
    } else {
      len =
          data.readUnsignedByte()
              | (data.readUnsignedByte() << 8)
              | (data.readUnsignedByte() << 16)
              | (data.readUnsignedByte() << 24);
    }
    byte[] header = new byte[len];
    data.readFully(header);
    String dict = new String(header, StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(dict);
    Matcher o = ORDER.matcher(dict);
    Matcher s = SHAPE.matcher(dict);
    if (!d.find() || !o.find() || !s.find()) {
      throw new IOException("unreadable .npy header: " + dict.trim());
    }
    if (o.group(1).equals("True")) {
      throw new IOException("Fortran-order .npy arrays are not supported");
    }
    String[] parts = s.group(1).split(",");
    int count = 0;
    int[] shape = new int[parts.length];
    for (String p : parts) {
      if (!p.isBlank()) {
        shape[count++] = Integer.parseInt(p.trim());
      }
    }
    int[] trimmed = new int[count];
    System.arraycopy(shape, 0, trimmed, 0, count);
    return new Header(d.group(1), trimmed);
  }
}
