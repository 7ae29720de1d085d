package io.labelcurve.activities.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
  private static final List<String> CLASSES = List.of("A", "B", "C");

  /** Class A: 8 sequences, B: 5, C: 3; each sequence 3 frames; plus a test split. */
  private static Manifest manifest() {
    List<ManifestRow> rows = new ArrayList<>();
    int[] sequences = {8, 5, 3};
    int row = 2;
    for (int c = 0; c < 3; c++) {
      for (int s = 0; s < sequences[c]; s++) {
        for (int f = 0; f < 3; f++) {
          String seq = CLASSES.get(c) + "-s" + s;
          rows.add(
              new ManifestRow(
                  row++,
                  "train/" + seq + "/f" + f + ".png",
                  CLASSES.get(c),
                  seq,
                  "train",
                  f,
                  null,
                  null));
        }
      }
    }
    rows.add(new ManifestRow(row, "test/x.png", "A", "tx", "T1", 0, null, null));
    return new Manifest("m.csv", rows);
  }

  private static Set<Integer> set(int[] a) {
    Set<Integer> s = new HashSet<>();
    Arrays.stream(a).forEach(s::add);
    return s;
  }

  @Test
  void poolHoldsEveryTrainingFrameAndItsVariantsInCanonicalOrder() {
    TrainingPool pool = TrainingPool.of(manifest(), "train", CLASSES, true);
    assertEquals(16 * 3 * 5, pool.size());
    assertEquals("train/A-s0/f0.png", pool.get(0).id());
    assertEquals("train/A-s0/f0.png#v1", pool.get(1).id());
    assertEquals(4, pool.get(4).variant());
    TrainingPool plain = TrainingPool.of(manifest(), "train", CLASSES, false);
    assertEquals(48, plain.size());
    List<ManifestRow> shuffled = new ArrayList<>(manifest().rows());
    java.util.Collections.reverse(shuffled);
    assertEquals(
        pool.entries(),
        TrainingPool.of(new Manifest("m.csv", shuffled), "train", CLASSES, true).entries());
  }

  @Test
  void imageSubsetsAreNestedPrefixesOfOnePermutation() {
    TrainingPool pool = TrainingPool.of(manifest(), "train", CLASSES, true);
    ImageSampler sampler = ImageSampler.nested(pool, 7);
    int[] perm = sampler.permutation();
    for (int n = 1; n * 2 <= pool.size(); n *= 2) {
      Subset small = sampler.subset(n);
      Subset big = sampler.subset(2 * n);
      assertTrue(
          set(big.indices()).containsAll(set(small.indices())),
          "subset(" + n + ") not in subset(" + 2 * n + ")");
      int[] prefix = Arrays.copyOf(perm, n);
      Arrays.sort(prefix);
      assertArrayEquals(prefix, small.indices());
      assertEquals(n, small.ids().size());
      assertEquals(pool.get(small.indices()[0]).id(), small.ids().get(0));
    }
    assertArrayEquals(
        sampler.subset(10).indices(), ImageSampler.nested(pool, 7).subset(10).indices());
    assertNotEquals(
        Arrays.toString(sampler.subset(10).indices()),
        Arrays.toString(ImageSampler.nested(pool, 8).subset(10).indices()));
    assertThrows(BadInputException.class, () -> sampler.subset(pool.size() + 1));
  }

  @Test
  void imageSamplingIsRoughlyUniformOverOriginalsAndVariants() {
    TrainingPool pool = TrainingPool.of(manifest(), "train", CLASSES, true);
    int[] hits = new int[pool.size()];
    int[] perVariant = new int[5];
    int seeds = 2000;
    int n = 24;
    for (int seed = 0; seed < seeds; seed++) {
      for (int i : ImageSampler.nested(pool, seed).subset(n).indices()) {
        hits[i]++;
        perVariant[pool.get(i).variant()]++;
      }
    }
    double expected = (double) seeds * n / pool.size(); // 200
    for (int h : hits) {
      assertTrue(Math.abs(h - expected) < 0.35 * expected, "hits " + h + " vs " + expected);
    }
    for (int v : perVariant) {
      assertTrue(
          Math.abs(v - seeds * n / 5.0) < 0.05 * seeds * n / 5.0, Arrays.toString(perVariant));
    }
  }

  @Test
  void sequenceSubsetsAreBalancedNestedAndWhole() {
    TrainingPool pool = TrainingPool.of(manifest(), "train", CLASSES, true);
    SequenceSampler sampler = SequenceSampler.nested(pool, 3);
    assertEquals(3, sampler.maxBalancedK());
    Subset previous = null;
    for (int k = 1; k <= 3; k++) {
      Subset s = sampler.subset(k, false);
      assertEquals(3 * k * 3 * 5, s.size(), "k sequences × 3 classes × 3 frames × 5 images");
      Map<Integer, Set<String>> sequences = new HashMap<>();
      for (int i : s.indices()) {
        sequences
            .computeIfAbsent(pool.get(i).classIndex(), c -> new HashSet<>())
            .add(pool.get(i).sequence());
      }
      for (int c = 0; c < 3; c++) {
        assertEquals(k, sequences.get(c).size(), "class " + c + " at k=" + k);
      }
      if (previous != null) {
        assertTrue(set(s.indices()).containsAll(set(previous.indices())), "not nested at k=" + k);
      }
      previous = s;
    }
  }

  @Test
  void aClassWithTooFewSequencesIsRefusedOrCapped() {
    TrainingPool pool = TrainingPool.of(manifest(), "train", CLASSES, false);
    SequenceSampler sampler = SequenceSampler.nested(pool, 3);
    BadInputException e = assertThrows(BadInputException.class, () -> sampler.subset(4, false));
    assertTrue(
        e.getMessage().contains("'C'")
            && e.getMessage().contains("has 3")
            && e.getMessage().contains("asks for 4"),
        e.getMessage());
    Map<String, List<String>> capped = sampler.sequences(6, true);
    assertEquals(6, capped.get("A").size());
    assertEquals(5, capped.get("B").size());
    assertEquals(3, capped.get("C").size());
    assertEquals((6 + 5 + 3) * 3, sampler.subset(6, true).size());
    assertEquals(
        sampler.sequences(2, false).get("A"), sampler.sequences(6, true).get("A").subList(0, 2));
  }

  @Test
  void aLabelOutsideTheSweepsClassesIsRefused() {
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> TrainingPool.of(manifest(), "train", List.of("A", "B"), true));
    assertTrue(
        e.getMessage().contains("m.csv, row") && e.getMessage().contains("'C'"), e.getMessage());
  }
}
