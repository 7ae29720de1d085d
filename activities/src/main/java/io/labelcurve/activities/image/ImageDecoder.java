package io.labelcurve.activities.image;

import io.labelcurve.activities.BadInputException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG or JPEG bytes (grey or colour, 8 or 16 bit, any size) into a {@link GreyImage} at the
 * image's own size. Colour becomes luma (Rec. 601 weights, the ones PIL's {@code convert("L")}
 * uses).
 *
 * <p>The declared size is read from the header and checked <em>before</em> any pixel is decoded, so
 * that a small file declaring a huge image (a decompression bomb) is refused without allocating it.
 */
public final class ImageDecoder {
  /** Largest side accepted, in pixels. */
  public static final int MAX_SIDE = 16_384;

  /** Largest area accepted, in pixels (50 megapixels). */
  public static final long MAX_PIXELS = 50_000_000L;

  private ImageDecoder() {}

  /** The declared size of an image, from its header. */
  public record Size(int width, int height) {}

  /**
   * Decodes an image.
   *
   * @param bytes the file's bytes
   * @param describe names the image in messages (a path, a URI, {@code manifest.csv row 7})
   * @throws BadInputException when the bytes are not a readable PNG/JPEG or declare an absurd size
   */
  public static GreyImage decode(byte[] bytes, String describe) {
    PngGrey8.Samples grey8 = PngGrey8.decode(bytes, describe);
    if (grey8 != null) {
      return fromBytes(grey8.width(), grey8.height(), grey8.bytes());
    }
    return decodeWithImageIo(bytes, describe);
  }

  /** {@link #decode} through ImageIO only (the path for every kind {@link PngGrey8} skips). */
  static GreyImage decodeWithImageIo(byte[] bytes, String describe) {
    return withReader(
        bytes,
        describe,
        "cannot decode the image",
        reader -> {
          checkSize(reader.getWidth(0), reader.getHeight(0), describe);
          return toGrey(reader.read(0));
        });
  }

  /**
   * Reads only the header's declared size and checks it; decodes no pixel.
   *
   * @throws BadInputException when the header is unreadable or the size absurd
   */
  public static Size checkHeader(byte[] bytes, String describe) {
    return withReader(
        bytes,
        describe,
        "cannot read the image header",
        reader -> {
          Size size = new Size(reader.getWidth(0), reader.getHeight(0));
          checkSize(size.width(), size.height(), describe);
          return size;
        });
  }

  private interface ReaderWork<T> {
    T apply(ImageReader reader) throws IOException;
  }

  /** Runs {@code work} on a reader of the bytes; any failure names the image and what failed. */
  private static <T> T withReader(
      byte[] bytes, String describe, String failure, ReaderWork<T> work) {
    try (ImageInputStream in = open(bytes, describe)) {
      ImageReader reader = readerFor(in, describe);
      try {
        reader.setInput(in, true, true);
        return work.apply(reader);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof BadInputException bad) {
        throw bad;
      }
      throw new BadInputException(
          describe + ": " + failure + " (" + e.getMessage() + "); is it a valid PNG or JPEG?", e);
    }
  }

  private static ImageInputStream open(byte[] bytes, String describe) throws IOException {
    // In memory, never ImageIO's default file cache: a FileCacheImageInputStream is closed by
    // ImageIO's own JVM shutdown hook, so every image a draining worker decodes after SIGTERM
    // would fail as "cannot decode" (BadInput, not retried) — seen in DrainedFinetuneWorkerIT.
    return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
  }

  private static ImageReader readerFor(ImageInputStream in, String describe) throws IOException {
    Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
    if (!readers.hasNext()) {
      in.close();
      throw new BadInputException(
          describe + ": not a PNG or JPEG image (unknown format, or the file is corrupt)");
    }
    return readers.next();
  }

  static void checkSize(int width, int height, String describe) {
    if (width <= 0 || height <= 0) {
      throw new BadInputException(
          describe + ": the image declares an empty size " + width + "x" + height);
    }
    if (width > MAX_SIDE || height > MAX_SIDE || (long) width * height > MAX_PIXELS) {
      throw new BadInputException(
          describe
              + ": the image declares "
              + width
              + "x"
              + height
              + " pixels, more than labelcurve accepts (a side of at most "
              + MAX_SIDE
              + ", at most "
              + MAX_PIXELS / 1_000_000
              + " megapixels); resize it before adding it to the dataset");
    }
  }

  /** Grey from the raster's own samples (so 16-bit stays 16-bit); luma for colour. */
  static GreyImage toGrey(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[] out = new float[w * h];
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    int bands = raster.getNumBands();
    if (cm instanceof IndexColorModel || bands > 4 || bands == 0) {
      // Palette images: let AWT expand the palette to sRGB.
      int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
      for (int i = 0; i < rgb.length; i++) {
        int p = rgb[i];
        out[i] = luma((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff) / 255f;
      }
      return new GreyImage(w, h, out);
    }
    int colourBands = cm.getNumColorComponents();
    float[] max = new float[bands];
    for (int b = 0; b < bands; b++) {
      max[b] = (float) ((1L << raster.getSampleModel().getSampleSize(b)) - 1);
    }
    int[] row = new int[w * bands];
    for (int y = 0; y < h; y++) {
      raster.getPixels(0, y, w, 1, row);
      for (int x = 0; x < w; x++) {
        int o = x * bands;
        float v;
        if (colourBands >= 3) {
          v = luma(row[o] / max[0], row[o + 1] / max[1], row[o + 2] / max[2]);
        } else {
          v = row[o] / max[0];
        }
        out[y * w + x] = Math.min(1f, Math.max(0f, v));
      }
    }
    return new GreyImage(w, h, out);
  }

  /** Intensities {@code b / 255} of 8-bit samples: what ImageIO's path gives for them. */
  public static GreyImage fromBytes(int width, int height, byte[] samples) {
    float[] out = new float[samples.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (samples[i] & 0xff) / 255f;
    }
    return new GreyImage(width, height, out);
  }

  private static float luma(float r, float g, float b) {
    return 0.299f * r + 0.587f * g + 0.114f * b;
  }
}
