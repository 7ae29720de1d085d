package io.labelcurve.activities.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ResizeAndAugmentationTest {

  private static GreyImage noise(int w, int h, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] p = new float[w * h];
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) r.nextDouble();
    }
    return new GreyImage(w, h, p);
  }

  @Test
  void resizeKeepsAConstantImageConstantUpAndDown() {
    float[] p = new float[613 * 401];
    Arrays.fill(p, 0.4f);
    for (int[] size : new int[][] {{256, 256}, {1024, 700}, {7, 300}}) {
      GreyImage out = Resize.to(new GreyImage(613, 401, p), size[0], size[1]);
      assertEquals(size[0], out.width());
      assertEquals(size[1], out.height());
      for (float v : out.pixels()) {
        assertEquals(0.4f, v, 1e-5);
      }
    }
  }

  @Test
  void areaAveragingShrinksByExactMeans() {
    GreyImage image = new GreyImage(4, 2, new float[] {0, 1, 0, 1, 1, 1, 0, 0});
    GreyImage out = Resize.to(image, 2, 1);
    assertEquals(0.75f, out.at(0, 0), 1e-6);
    assertEquals(0.25f, out.at(1, 0), 1e-6);
  }

  @Test
  void variantsAreDeterministicFromIdAndDifferFromTheOriginal() {
    GreyImage original = noise(256, 256, 1);
    for (int v = 1; v <= Augmentation.VARIANTS; v++) {
      GreyImage a = Augmentation.apply(original, "train/s1/f0.png", v);
      GreyImage b = Augmentation.apply(original, "train/s1/f0.png", v);
      assertArrayEquals(a.pixels(), b.pixels(), "variant " + v);
      assertFalse(
          Arrays.equals(a.pixels(), original.pixels()), "variant " + v + " equals the original");
      GreyImage other = Augmentation.apply(original, "train/s1/f1.png", v);
      assertFalse(
          Arrays.equals(a.pixels(), other.pixels()), "variant " + v + " ignores the image id");
    }
    assertNotEquals(Augmentation.parameter("x.png", 1), Augmentation.parameter("x.png", 2));
  }

  @Test
  void variantParametersStayInTheirRanges() {
    for (int i = 0; i < 200; i++) {
      String path = "p" + i + ".png";
      double t1 = Augmentation.parameter(path, 1);
      double t2 = Augmentation.parameter(path, 2);
      assertTrue(t1 <= -3 && t1 >= -8 && t2 >= 3 && t2 <= 8, t1 + " " + t2);
      double w3 = Augmentation.parameter(path, 3);
      double w4 = Augmentation.parameter(path, 4);
      assertTrue(w3 >= 0.85 && w3 <= 0.95 && w4 >= 1.05 && w4 <= 1.15, w3 + " " + w4);
    }
  }

  @Test
  void parsesImageIds() {
    assertEquals(new Augmentation.ImageId("a/b#c.png", 0), Augmentation.parse("a/b#c.png"));
    assertEquals(new Augmentation.ImageId("a/b.png", 3), Augmentation.parse("a/b.png#v3"));
    assertEquals("a.png#v4", Augmentation.variantId("a.png", 4));
    assertThrows(IllegalArgumentException.class, () -> Augmentation.parse("a.png#v5"));
  }
}
