package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.spec.SpecReader;
import io.labelcurve.workflows.plan.FinetuneSchedule;
import io.labelcurve.workflows.spec.SweepSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code sweep plan --preset paper} against the paper's tables; seeds_per in specs. */
class SweepPlanTest {

  @Test
  void thePaperPresetReproducesTheEpochsOfTables5And6AndItsCellCounts() {
    SweepPlan.Plan plan = SweepPlan.of(PaperPreset.spec(), PaperPreset.dataset(), true);
    // 6 models x (LP image 14 + LP sequence 8 x 20 seeds + FT image 14 + FT sequence 8)
    assertEquals(6 * (14 + 160 + 14 + 8), plan.cells());
    assertEquals(6, plan.cellsPerModel().size());
    for (SweepPlan.Epochs e : plan.finetuneEpochs()) {
      assertEquals(e.paper(), e.epochs(), e.sampling() + " " + e.size());
    }
    Map<Integer, Integer> table5 = PaperPreset.TABLE5;
    table5.forEach((n, epochs) -> assertEquals(epochs, FinetuneSchedule.epochs(n), "Table 5 at " + n));
    assertEquals(22, plan.finetuneEpochs().size());
    assertTrue(plan.estimate().totalGpuHours() > 0);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SweepPlan.print(plan, new PrintStream(out, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("1176 cells"), text);
    assertTrue(text.contains("estimate"), text);
    assertTrue(text.matches("(?s).*sequence\\s+1\\s+3300\\s+5\\s+5 ok.*"), text);
  }

  @Test
  void seedsPerIsReadAndOldSpecsStayValid() {
    String base = "id: s\ndataset: d/manifest.csv\ntrain_split: train\ntest_splits: [T1]\n"
        + "models: [m]\nadaptations: [linear-probe]\nsampling:\n  image: {sizes: [8]}\n"
        + "  sequence: {per_class: [1]}\nseeds: 2\n";
    SweepSpec old = SpecReader.parse("old.yaml", base);
    assertEquals(Map.of(), old.seedsPer());
    assertEquals(2, old.seedsFor("linear-probe", "sequence"));
    SweepSpec per = SpecReader.parse("new.yaml", base + "seeds_per: {linear-probe/sequence: 20}\n");
    assertEquals(20, per.seedsFor("linear-probe", "sequence"));
    assertEquals(2, per.seedsFor("linear-probe", "image"));
    SweepPlan.Plan plan = SweepPlan.of(per, PaperPreset.dataset(), false);
    assertEquals(2 + 20, plan.cells());
  }

  @Test
  void aCpuPresetPlansItsOwnEpochsAndAllMeansThePool() {
    String spec = "id: ft\ndataset: d/manifest.csv\ntrain_split: train\ntest_splits: [T1]\n"
        + "models: [m]\nadaptations: [finetune]\nsampling:\n  image: {sizes: [16, 256, 0]}\n"
        + "seeds: 1\npreset: cpu-small\n";
    SweepPlan.Plan plan = SweepPlan.of(SpecReader.parse("ft.yaml", spec), PaperPreset.dataset(),
        false);
    assertEquals(1024, plan.finetuneSamples());
    Map<Integer, Integer> epochsBySize = new java.util.TreeMap<>();
    Map<Integer, Integer> imagesBySize = new java.util.TreeMap<>();
    for (SweepPlan.Epochs e : plan.finetuneEpochs()) {
      epochsBySize.put(e.size(), e.epochs());
      imagesBySize.put(e.size(), e.images());
    }
    assertEquals(Map.of(0, 1, 16, 64, 256, 4), epochsBySize);
    assertEquals(PaperPreset.dataset().trainPoolImages(), imagesBySize.get(0));
    assertTrue(plan.notes().stream().anyMatch(n -> n.contains("1024")), plan.notes().toString());
  }
}
