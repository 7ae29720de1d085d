package io.labelcurve.activities.image;

/**
 * The protocol's first step as bytes: an image file to its {@code size × size} 8-bit grey frame,
 * the unit the frame store keeps. The frame is {@link DatasetImages}' image (decode, grey, {@link
 * Resize}) rounded to the nearest of 256 levels, which is what PIL's {@code convert("L").resize}
 * gives too. For an 8-bit grey file already at the size (ultrasound frames and the phantom's) the
 * frame holds the file's own samples and {@link #toImage} gives back exactly {@link DatasetImages}'
 * floats; a file that is resized or deeper than 8 bits loses at most half a level (0.002 in [0,
 * 1]).
 */
public final class GreyFrames {
  private GreyFrames() {}

  /**
   * The frame of an image file.
   *
   * @throws io.labelcurve.activities.BadInputException when the file is not a readable image,
   *     naming it by {@code describe}
   */
  public static byte[] frame(byte[] file, String describe, int size) {
    PngGrey8.Samples grey8 = PngGrey8.decode(file, describe);
    if (grey8 != null && grey8.width() == size && grey8.height() == size) {
      return grey8.bytes();
    }
    GreyImage decoded =
        grey8 != null
            ? ImageDecoder.fromBytes(grey8.width(), grey8.height(), grey8.bytes())
            : ImageDecoder.decodeWithImageIo(file, describe);
    return quantise(Resize.to(decoded, size, size));
  }

  /** An image in [0, 1] to bytes, rounding to the nearest level. */
  public static byte[] quantise(GreyImage image) {
    float[] p = image.pixels();
    byte[] out = new byte[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = (byte) Math.round(Math.min(1f, Math.max(0f, p[i])) * 255f);
    }
    return out;
  }

  /** A frame's image: intensities {@code b / 255}. */
  public static GreyImage toImage(byte[] frame, int size) {
    return ImageDecoder.fromBytes(size, size, frame);
  }
}
