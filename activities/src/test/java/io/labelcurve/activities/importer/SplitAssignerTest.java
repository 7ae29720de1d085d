package io.labelcurve.activities.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitAssignerTest {
  /** 60 patients, 3 labels, 1-3 sequences each, 4 sites. */
  static List<SplitAssigner.Sequence> cohort() {
    List<SplitAssigner.Sequence> out = new ArrayList<>();
    for (int p = 0; p < 60; p++) {
      for (int s = 0; s <= p % 3; s++) {
        out.add(
            new SplitAssigner.Sequence(
                "s" + p + "-" + s, "L" + ((p + s) % 3), "p" + p, "site" + (p % 4)));
      }
    }
    return out;
  }

  static Map<String, Double> splits() {
    Map<String, Double> splits = new LinkedHashMap<>();
    splits.put("train", 0.75);
    splits.put("T1", 0.25);
    return splits;
  }

  @Test
  void patientsStayInOneSplitAndLabelsAreStratified() {
    List<SplitAssigner.Sequence> seqs = cohort();
    Map<String, String> split = SplitAssigner.assign(seqs, splits(), 0, "T2", 7);
    Map<String, String> splitOfPatient = new HashMap<>();
    Map<String, int[]> perLabel = new HashMap<>();
    for (SplitAssigner.Sequence s : seqs) {
      String earlier = splitOfPatient.putIfAbsent(s.patient(), split.get(s.sequence()));
      assertTrue(
          earlier == null || earlier.equals(split.get(s.sequence())),
          s.patient() + " in two splits");
      int[] c = perLabel.computeIfAbsent(s.label(), l -> new int[2]);
      c[split.get(s.sequence()).equals("train") ? 0 : 1]++;
    }
    perLabel.forEach(
        (label, c) -> {
          double share = (double) c[0] / (c[0] + c[1]);
          assertTrue(Math.abs(share - 0.75) < 0.08, label + ": train share " + share);
        });
  }

  @Test
  void seededAndDeterministic() {
    assertEquals(
        SplitAssigner.assign(cohort(), splits(), 1, "T2", 7),
        SplitAssigner.assign(cohort(), splits(), 1, "T2", 7));
    assertNotEquals(
        SplitAssigner.assign(cohort(), splits(), 0, "T2", 7),
        SplitAssigner.assign(cohort(), splits(), 0, "T2", 8));
  }

  @Test
  void oodSitesAreWhole() {
    Map<String, String> split = SplitAssigner.assign(cohort(), splits(), 1, "T2", 7);
    Map<String, java.util.Set<String>> splitsOfSite = new HashMap<>();
    cohort()
        .forEach(
            s ->
                splitsOfSite
                    .computeIfAbsent(s.site(), k -> new java.util.TreeSet<>())
                    .add(split.get(s.sequence())));
    assertEquals(
        1,
        splitsOfSite.values().stream().filter(v -> v.equals(java.util.Set.of("T2"))).count(),
        splitsOfSite.toString());
    splitsOfSite.values().stream()
        .filter(v -> !v.equals(java.util.Set.of("T2")))
        .forEach(v -> assertTrue(!v.contains("T2"), splitsOfSite.toString()));
  }
}
