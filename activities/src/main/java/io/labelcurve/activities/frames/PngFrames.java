package io.labelcurve.activities.frames;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Encodes a {@link Frame} as PNG (8-bit grey or RGB), with no metadata chunk. */
public final class PngFrames {
  private PngFrames() {}

  /** The PNG bytes of a frame. */
  public static byte[] encode(Frame frame) {
    BufferedImage image =
        new BufferedImage(
            frame.width(),
            frame.height(),
            frame.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
    byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    if (frame.channels() == 1) {
      System.arraycopy(frame.pixels(), 0, data, 0, data.length);
    } else {
      byte[] rgb = frame.pixels();
      for (int i = 0; i < rgb.length; i += 3) { // TYPE_3BYTE_BGR stores B, G, R
        data[i] = rgb[i + 2];
        data[i + 1] = rgb[i + 1];
        data[i + 2] = rgb[i];
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(frame.pixels().length / 2 + 1024);
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    // In memory: ImageIO.write would otherwise cache through a temporary file per image.
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(
          0.75f); // a middle deflate level: the top one costs several times the time
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}
