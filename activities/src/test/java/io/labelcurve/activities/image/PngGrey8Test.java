package io.labelcurve.activities.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The direct 8-bit grey PNG path gives ImageIO's samples, and leaves every other kind to it. */
class PngGrey8Test {

  @Test
  void samplesEqualImageIoForEveryRowFilter() {
    SplittableRandom random = new SplittableRandom(7);
    for (int[] size : new int[][] {{256, 256}, {1, 1}, {37, 5}, {300, 199}}) {
      BufferedImage im = new BufferedImage(size[0], size[1], BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < size[1]; y++) {
        for (int x = 0; x < size[0]; x++) {
          // Rows alternate between smooth, noisy and flat, so the encoder picks different filters.
          int v =
              switch (y % 3) {
                case 0 -> (x * 3 + y) & 0xff;
                case 1 -> random.nextInt(256);
                default -> 17;
              };
          im.getRaster().setSample(x, y, 0, v);
        }
      }
      byte[] png = TestImages.encode(im, "png");
      PngGrey8.Samples direct = PngGrey8.decode(png, "t.png");
      assertNotNull(direct);
      GreyImage viaImageIo = ImageDecoder.decodeWithImageIo(png, "t.png");
      assertArrayEquals(
          viaImageIo.pixels(),
          ImageDecoder.fromBytes(direct.width(), direct.height(), direct.bytes()).pixels(),
          0f,
          Arrays.toString(size));
    }
  }

  @Test
  void otherKindsAreLeftToImageIo() {
    assertNull(PngGrey8.decode(TestImages.rgb(8, 8, 0x336699, "png"), "rgb.png"));
    assertNull(PngGrey8.decode(TestImages.rgb(8, 8, 0x336699, "jpg"), "x.jpg"));
    assertNull(PngGrey8.decode(new byte[] {1, 2, 3}, "junk"));
    BufferedImage deep = new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY);
    assertNull(PngGrey8.decode(TestImages.encode(deep, "png"), "deep.png"));
  }

  @Test
  void aCorruptOrHugeGreyPngFailsNamingTheFile() {
    byte[] png = TestImages.greyPng(64, 64);
    BadInputException truncated =
        assertThrows(
            BadInputException.class,
            () -> PngGrey8.decode(Arrays.copyOf(png, png.length - 30), "cut.png"));
    assertTrue(truncated.getMessage().startsWith("cut.png: cannot decode the image"));
    BadInputException bomb =
        assertThrows(
            BadInputException.class,
            () -> PngGrey8.decode(TestImages.pngDeclaring(100_000, 100_000), "bomb.png"));
    assertTrue(bomb.getMessage().contains("bomb.png"), bomb.getMessage());
  }
}
