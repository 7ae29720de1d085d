package io.labelcurve.activities.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.adapter.EmbeddingActivitiesImpl;
import io.labelcurve.activities.embed.EmbeddingExtractor;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.spec.AugmentationSpec;
import io.labelcurve.workflows.spec.AugmentationSpec.Range;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The spec's augmentation magnitudes: the default unchanged, others applied and cached apart. */
class AugmentationOptionsTest {
  private static final AugmentationSpec STRONG =
      new AugmentationSpec(true, new Range(10, 15), new Range(0.7, 0.8), new Range(1.2, 1.3));

  @Test
  void defaultDrawsTheParametersItDrewBeforeMagnitudesCouldBeChosen() {
    // The hard-coded draws of the earlier Augmentation.parameter, so that cached vectors and
    // finetuned models of earlier sweeps stay what the default makes now.
    for (String path : new String[] {"train/a.png", "train/s7/f12.png", "x.png"}) {
      double[] before = {
        -new SplittableRandom(Augmentation.stableSeed(path + "#v1")).nextDouble(3, 8),
        new SplittableRandom(Augmentation.stableSeed(path + "#v2")).nextDouble(3, 8),
        new SplittableRandom(Augmentation.stableSeed(path + "#v3")).nextDouble(0.85, 0.95),
        new SplittableRandom(Augmentation.stableSeed(path + "#v4")).nextDouble(1.05, 1.15)
      };
      for (int v = 1; v <= 4; v++) {
        assertEquals(before[v - 1], Augmentation.parameter(path, v), 0.0, path + " v" + v);
        assertEquals(before[v - 1], Augmentation.of(null).parameterOf(path, v), 0.0);
      }
    }
    assertSame(Augmentation.DEFAULT, Augmentation.of(AugmentationSpec.DEFAULT));
    assertEquals("", Augmentation.DEFAULT.cacheTag());
  }

  @Test
  void otherMagnitudesAreAppliedAndStayInTheirRanges() {
    Augmentation strong = Augmentation.of(STRONG);
    for (int i = 0; i < 200; i++) {
      String path = "train/s" + i + ".png";
      double t1 = strong.parameterOf(path, 1);
      double t2 = strong.parameterOf(path, 2);
      assertTrue(t1 <= -10 && t1 >= -15 && t2 >= 10 && t2 <= 15, t1 + " " + t2);
      double w3 = strong.parameterOf(path, 3);
      double w4 = strong.parameterOf(path, 4);
      assertTrue(w3 >= 0.7 && w3 <= 0.8 && w4 >= 1.2 && w4 <= 1.3, w3 + " " + w4);
    }
    Augmentation fixed =
        Augmentation.of(
            new AugmentationSpec(true, new Range(5, 5), new Range(0.9, 0.9), new Range(1.1, 1.1)));
    assertEquals(-5, fixed.parameterOf("a.png", 1));
    assertEquals(1.1, fixed.parameterOf("a.png", 4));

    GreyImage original = new GreyImage(32, 32, ramp(32));
    GreyImage byDefault = Augmentation.DEFAULT.applyTo(original, "a.png", 1);
    GreyImage byStrong = strong.applyTo(original, "a.png", 1);
    assertFalse(Arrays.equals(byDefault.pixels(), byStrong.pixels()));
  }

  @Test
  void cacheKeysSeparateAugmentationsAndKeepTheDefaultsKey() {
    EmbedRequest train = new EmbedRequest("s3://b/d/manifest.csv", "dg", "train", true, "m", "p");
    EmbedRequest test = new EmbedRequest("s3://b/d/manifest.csv", "dg", "T1", false, "m", "p");
    String before = EmbeddingExtractor.prefix("m-1", "eng", "dg", "train");
    assertEquals(before, EmbeddingActivitiesImpl.prefix("m-1", "eng", train, Augmentation.DEFAULT));
    String strong = EmbeddingActivitiesImpl.prefix("m-1", "eng", train, Augmentation.of(STRONG));
    String none =
        EmbeddingActivitiesImpl.prefix("m-1", "eng", train, Augmentation.of(AugmentationSpec.NONE));
    String slightlyOther =
        EmbeddingActivitiesImpl.prefix(
            "m-1",
            "eng",
            train,
            Augmentation.of(
                new AugmentationSpec(
                    true, new Range(10, 15), new Range(0.7, 0.8), new Range(1.2, 1.31))));
    assertTrue(strong.matches("embeddings/m-1/eng/dg/train@aug-[0-9a-f]{12}/"), strong);
    assertEquals("embeddings/m-1/eng/dg/train@noaug/", none);
    assertNotEquals(strong, slightlyOther);
    assertNotEquals(before, strong);
    // Test splits have no variants: one cache for every augmentation.
    assertEquals(
        EmbeddingActivitiesImpl.prefix("m-1", "eng", test, Augmentation.DEFAULT),
        EmbeddingActivitiesImpl.prefix("m-1", "eng", test, Augmentation.of(STRONG)));
  }

  @Test
  void unusableMagnitudesAreRefusedNamingTheField() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Augmentation.of(
                    new AugmentationSpec(
                        true, new Range(0, 5), new Range(0.85, 0.95), new Range(1.05, 1.15))));
    assertTrue(
        e.getMessage().startsWith("augmentation.tilt_degrees: 0 is outside (0, 45]"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Augmentation.of(
                    new AugmentationSpec(
                        true, new Range(3, 8), new Range(0.95, 0.85), new Range(1.05, 1.15))));
    assertTrue(
        e.getMessage().startsWith("augmentation.narrow_width: give [min, max] with min <= max"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Augmentation.of(
                    new AugmentationSpec(
                        true, new Range(3, 8), new Range(0.85, 0.95), new Range(1, 1.15))));
    assertTrue(
        e.getMessage().startsWith("augmentation.wide_width: 1 is outside (1, 2]"), e.getMessage());
    assertThrows(
        IllegalStateException.class,
        () -> Augmentation.of(AugmentationSpec.NONE).parameterOf("a.png", 1));
  }

  private static float[] ramp(int n) {
    float[] p = new float[n * n];
    for (int i = 0; i < p.length; i++) {
      p[i] = (i % n) * 7 + (i / n) * 3;
    }
    return p;
  }
}
