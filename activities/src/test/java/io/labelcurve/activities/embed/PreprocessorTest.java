package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.model.BuiltinModels;
import io.labelcurve.activities.model.ModelSpec;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

  private static ModelSpec spec(int size, int resize, float[] mean, float[] std) {
    return BuiltinModels.randomResnet18().withInput(size, resize).withNormalization(mean, std);
  }

  private static GreyImage ramp() {
    float[] p = new float[256 * 256];
    for (int y = 0; y < 256; y++) {
      for (int x = 0; x < 256; x++) {
        p[y * 256 + x] = (x + 256 * y) / 65535f;
      }
    }
    return new GreyImage(256, 256, p);
  }

  @Test
  void cropsTheCentreAndNormalisesPerChannel() {
    Preprocessor p =
        new Preprocessor(
            spec(224, 256, new float[] {0.1f, 0.2f, 0.3f}, new float[] {0.5f, 0.25f, 2f}));
    GreyImage img = ramp();
    float[] out = p.apply(img);
    assertEquals(3 * 224 * 224, out.length);
    int plane = 224 * 224;
    // (0, 0) of the crop is (16, 16) of the image.
    float v = img.at(16, 16);
    assertEquals((v - 0.1f) / 0.5f, out[0], 1e-6);
    assertEquals((v - 0.2f) / 0.25f, out[plane], 1e-6);
    assertEquals((v - 0.3f) / 2f, out[2 * plane], 1e-6);
    float w = img.at(16 + 223, 16 + 100);
    assertEquals((w - 0.1f) / 0.5f, out[100 * 224 + 223], 1e-6);
  }

  /** The crop-only path of an image already at the resize side is the general path, bit for bit. */
  @Test
  void theCropOnlyPathGivesTheResamplingPathsFloats() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(15);
    float[] px = new float[256 * 256];
    for (int i = 0; i < px.length; i++) {
      px[i] = random.nextInt(256) / 255f;
    }
    GreyImage img = new GreyImage(256, 256, px);
    for (int size : new int[] {224, 256, 225}) {
      Preprocessor p =
          new Preprocessor(
              spec(
                  size,
                  256,
                  new float[] {0.485f, 0.456f, 0.406f},
                  new float[] {0.229f, 0.224f, 0.225f}));
      org.junit.jupiter.api.Assertions.assertArrayEquals(
          p.resampled(img), p.apply(img), "size " + size);
    }
  }

  /**
   * A stored frame gives the input of its decoded image bit for bit: through the level table at the
   * resize side (every level, several frames packed one after the other, crops of even and odd
   * margins) and through the image otherwise.
   */
  @Test
  void aFramesInputIsItsImagesInputBitForBit() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(16);
    int side = 256;
    int plane = side * side;
    byte[] packed = new byte[3 * plane];
    random.nextBytes(packed);
    for (int v = 0; v < 256; v++) {
      packed[plane + v] = (byte) v;
    }
    for (int[] sizes : new int[][] {{224, 256}, {225, 256}, {256, 256}, {224, 240}, {200, 300}}) {
      Preprocessor p =
          new Preprocessor(
              spec(
                  sizes[0],
                  sizes[1],
                  new float[] {0.485f, 0.456f, 0.406f},
                  new float[] {0.229f, 0.224f, 0.225f}));
      for (int f = 0; f < 3; f++) {
        byte[] one = java.util.Arrays.copyOfRange(packed, f * plane, (f + 1) * plane);
        org.junit.jupiter.api.Assertions.assertArrayEquals(
            p.apply(io.labelcurve.activities.image.GreyFrames.toImage(one, side)),
            p.applyFrame(packed, f * plane, side),
            "frame " + f + ", " + sizes[0] + " from " + sizes[1]);
      }
    }
  }

  @Test
  void shrinksWithABoxFilter() {
    Preprocessor p =
        new Preprocessor(spec(64, 64, new float[] {0f, 0f, 0f}, new float[] {1f, 1f, 1f}));
    GreyImage img = ramp();
    float[] out = p.apply(img);
    double sum = 0;
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        sum += img.at(4 * 5 + x, 4 * 7 + y);
      }
    }
    assertEquals(sum / 16, out[7 * 64 + 5], 1e-5);
  }

  @Test
  void enlargesBilinearly() {
    Preprocessor p =
        new Preprocessor(spec(512, 512, new float[] {0f, 0f, 0f}, new float[] {1f, 1f, 1f}));
    float[] out = p.apply(ramp());
    assertEquals(3 * 512 * 512, out.length);
    // A linear ramp stays linear inside: output x=101 sits at source 50.25.
    GreyImage img = ramp();
    float expect = img.at(50, 30) * 0.75f + img.at(51, 30) * 0.25f;
    // row 61 sits at source 30.25: blend rows 30 and 31.
    float expectRow = expect * 0.75f + (img.at(50, 31) * 0.75f + img.at(51, 31) * 0.25f) * 0.25f;
    assertEquals(expectRow, out[61 * 512 + 101], 1e-5);
  }
}
