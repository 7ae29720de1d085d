package io.labelcurve.activities.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Small real images for tests, and a PNG whose header lies about its size. */
public final class TestImages {
  private TestImages() {}

  /** A grey gradient PNG of the given size. */
  public static byte[] greyPng(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.getRaster().setSample(x, y, 0, (x * 255) / Math.max(1, width - 1));
      }
    }
    return encode(image, "png");
  }

  public static byte[] rgb(int width, int height, int rgb, String format) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, rgb);
      }
    }
    return encode(image, format);
  }

  public static byte[] encode(BufferedImage image, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no writer for " + format);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A real 1×1 PNG whose IHDR is patched (CRC recomputed) to declare {@code width × height}. */
  public static byte[] pngDeclaring(int width, int height) {
    byte[] png = greyPng(1, 1);
    // Signature (8) + IHDR length (4) + "IHDR" (4): width at 16, height at 20, CRC after the 13
    // data bytes at 29.
    ByteBuffer buf = ByteBuffer.wrap(png);
    buf.putInt(16, width);
    buf.putInt(20, height);
    CRC32 crc = new CRC32();
    crc.update(png, 12, 4 + 13);
    buf.putInt(29, (int) crc.getValue());
    return png;
  }
}
