package io.labelcurve.activities.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

  @Test
  void decodesGreyPngAtAnOddSize() {
    GreyImage image = ImageDecoder.decode(TestImages.greyPng(37, 23), "a.png");
    assertEquals(37, image.width());
    assertEquals(23, image.height());
    assertEquals(0f, image.at(0, 5), 1e-6);
    assertEquals(1f, image.at(36, 5), 1e-6);
  }

  @Test
  void decodesRgbPngAsLuma() {
    GreyImage image = ImageDecoder.decode(TestImages.rgb(19, 31, 0x00FF00, "png"), "g.png");
    assertEquals(19, image.width());
    assertEquals(0.587f, image.at(3, 3), 1e-3);
  }

  @Test
  void decodesJpegGreyAndRgb() {
    BufferedImage grey = new BufferedImage(33, 17, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 17; y++) {
      for (int x = 0; x < 33; x++) {
        grey.getRaster().setSample(x, y, 0, 128);
      }
    }
    GreyImage g = ImageDecoder.decode(TestImages.encode(grey, "jpg"), "g.jpg");
    assertEquals(33, g.width());
    assertEquals(17, g.height());
    assertEquals(128 / 255f, g.at(10, 10), 0.02);
    GreyImage c = ImageDecoder.decode(TestImages.rgb(41, 29, 0xFF0000, "jpg"), "c.jpg");
    assertEquals(41, c.width());
    assertEquals(0.299f, c.at(20, 14), 0.03);
  }

  @Test
  void decodes16BitPng() {
    BufferedImage image = new BufferedImage(5, 3, BufferedImage.TYPE_USHORT_GRAY);
    image.getRaster().setSample(1, 1, 0, 65535);
    image.getRaster().setSample(2, 1, 0, 32768);
    GreyImage g = ImageDecoder.decode(TestImages.encode(image, "png"), "deep.png");
    assertEquals(1f, g.at(1, 1), 1e-6);
    assertEquals(0.5f, g.at(2, 1), 1e-3);
    assertEquals(0f, g.at(0, 0), 1e-6);
  }

  @Test
  void refusesCorruptBytesNamingTheImage() {
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                ImageDecoder.decode(
                    "not an image".getBytes(StandardCharsets.UTF_8), "scans/x.png"));
    assertTrue(e.getMessage().contains("scans/x.png"), e.getMessage());
    byte[] truncated = java.util.Arrays.copyOf(TestImages.greyPng(64, 64), 60);
    BadInputException t =
        assertThrows(BadInputException.class, () -> ImageDecoder.decode(truncated, "t.png"));
    assertTrue(t.getMessage().contains("t.png"), t.getMessage());
  }

  @Test
  void refusesADecompressionBombFromItsHeader() {
    byte[] bomb = TestImages.pngDeclaring(100_000, 100_000);
    BadInputException e =
        assertThrows(BadInputException.class, () -> ImageDecoder.decode(bomb, "bomb.png"));
    assertTrue(
        e.getMessage().contains("bomb.png") && e.getMessage().contains("100000x100000"),
        e.getMessage());
    BadInputException side =
        assertThrows(
            BadInputException.class,
            () -> ImageDecoder.checkHeader(TestImages.pngDeclaring(20_000, 10), "wide.png"));
    assertTrue(side.getMessage().contains("20000x10"), side.getMessage());
    BadInputException area =
        assertThrows(
            BadInputException.class,
            () -> ImageDecoder.checkHeader(TestImages.pngDeclaring(8_000, 8_000), "big.png"));
    assertTrue(area.getMessage().contains("megapixels"), area.getMessage());
  }
}
