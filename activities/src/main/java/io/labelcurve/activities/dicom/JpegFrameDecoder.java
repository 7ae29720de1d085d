package io.labelcurve.activities.dicom;

import io.labelcurve.activities.BadInputException;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes one 8-bit JPEG Baseline / Extended frame (PS3.5 A.4.1, 10.7) with the JDK's JPEG reader.
 *
 * <p>It reads the {@link Raster}, not a {@code BufferedImage}: {@code readRaster} returns the
 * decoded components as stored, with no colour conversion (the reader's own choice of colour space
 * from JFIF or Adobe markers does not apply), so YBR components stay YBR and {@link Photometric}
 * converts them as the file's Photometric Interpretation says.
 */
final class JpegFrameDecoder {
  private JpegFrameDecoder() {}

  /** Interleaved 8-bit samples of one frame, {@code width * height * samples} bytes. */
  static byte[] decode(String file, int frame, byte[] jpeg, int width, int height, int samples) {
    String where = file + ", frame " + frame + ": ";
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(jpeg))) {
      Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
      if (!readers.hasNext()) {
        throw new IllegalStateException("this JDK has no JPEG reader");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        Raster raster = reader.readRaster(0, null);
        if (raster.getWidth() != width
            || raster.getHeight() != height
            || raster.getNumBands() != samples) {
          throw new BadInputException(
              where
                  + "the JPEG stream is "
                  + raster.getWidth()
                  + "x"
                  + raster.getHeight()
                  + " with "
                  + raster.getNumBands()
                  + " components; the header says "
                  + width
                  + "x"
                  + height
                  + " with "
                  + samples);
        }
        int[] values =
            raster.getPixels(raster.getMinX(), raster.getMinY(), width, height, (int[]) null);
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
          out[i] = (byte) values[i];
        }
        return out;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof BadInputException bad) {
        throw bad;
      }
      throw new BadInputException(
          where + "cannot decode the JPEG frame (" + e.getMessage() + ")", e);
    }
  }
}
