package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.labelcurve.activities.spec.SpecReader;
import io.labelcurve.workflows.plan.FinetuneSchedule;
import io.labelcurve.workflows.spec.SweepSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code sweep plan --preset paper} against the paper's tables; seeds_per in specs. */
class SweepPlanTest {

  @Test
  void thePaperPresetReproducesTheEpochsOfTables5And6AndItsCellCounts() throws Exception {
    SweepPlan.Plan plan = SweepPlan.of(PaperPreset.spec(), PaperPreset.dataset(), true);
    // 5 models x (LP image 14 + LP sequence 8 x 20 seeds + FT image 14 + FT sequence 8)
    // + the ResNet-50 baseline (image 14 + sequence 8 x 20 seeds) + Table 3's 4 whole-pool cells
    assertEquals(5 * (14 + 160 + 14 + 8) + (14 + 160) + 4, plan.cells());
    assertEquals(6, plan.cellsPerModel().size());
    assertEquals(22, plan.finetuneEpochs().size());
    for (SweepPlan.Epochs e : plan.finetuneEpochs()) {
      assertEquals(e.paper(), e.epochs(), e.sampling() + " " + e.size());
    }
    Map<Integer, Integer> table5 = PaperPreset.TABLE5;
    table5.forEach(
        (n, epochs) -> assertEquals(epochs, FinetuneSchedule.epochs(n), "Table 5 at " + n));
    // Table 2's sequences: one per class is 4,299 images on average, where the rule gives 4
    // epochs and Table 6 says 5; the plan shows both and runs Table 6.
    SweepPlan.Epochs k1 =
        plan.finetuneEpochs().stream()
            .filter(e -> e.sampling().equals("sequence") && e.size() == 1)
            .findFirst()
            .orElseThrow();
    assertEquals(4299, k1.images());
    assertEquals(4, k1.rule());
    assertEquals(5, k1.epochs());
    assertEquals("spec", k1.from());
    assertTrue(plan.estimate().totalGpuHours() > 0);

    // The JSON of `sweep plan --preset paper --json`: the baseline in the linear-probe grid (its
    // sizes, samplings and seeds) and Table 3's four whole-pool cells.
    JsonNode json = SweepCommand.JSON.readTree(SweepCommand.JSON.writeValueAsString(plan));
    Map<String, JsonNode> baseline = new java.util.TreeMap<>();
    Map<String, JsonNode> probe = new java.util.TreeMap<>();
    for (JsonNode g : json.get("groups")) {
      if (g.get("role").asText().equals("baseline")) {
        assertEquals("resnet50-scratch", g.get("model").asText());
        assertEquals("finetune", g.get("adaptation").asText());
        baseline.put(g.get("sampling").asText(), g);
      }
      if (g.get("model").asText().equals("dinov2")
          && g.get("adaptation").asText().equals("linear-probe")) {
        probe.put(g.get("sampling").asText(), g);
      }
    }
    assertEquals(probe.keySet(), baseline.keySet());
    probe.forEach(
        (sampling, g) -> {
          assertEquals(g.get("sizes"), baseline.get(sampling).get("sizes"), sampling);
          assertEquals(g.get("seeds"), baseline.get(sampling).get("seeds"), sampling);
        });
    List<String> table3 = new java.util.ArrayList<>();
    for (JsonNode c : json.get("table3")) {
      assertEquals(PaperPreset.TRAIN_IMAGES, c.get("images").asInt());
      table3.add(c.get("model").asText());
    }
    assertEquals(List.of("dinov2", "medimageinsight", "echoclip", "resnet50-scratch"), table3);
    assertEquals("resnet50-scratch", json.get("baseline").asText());

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SweepPlan.print(plan, new PrintStream(out, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("1158 cells"), text);
    assertTrue(text.contains("estimate"), text);
    assertTrue(text.matches("(?s).*sequence\\s+1\\s+4299\\s+5\\s+spec\\s+4\\s+5 ok.*"), text);
    assertTrue(!text.contains("DIFFERS"), text);
  }

  @Test
  void everyModelOfThePaperPresetIsInTheCatalogTheExporterWrites() throws Exception {
    // deploy/models/export.py's MODELS keys are the folder names it writes; the rest is built in.
    String exporter = Files.readString(Path.of("../deploy/models/export.py"));
    String block = exporter.substring(exporter.indexOf("MODELS = {"));
    block = block.substring(0, block.indexOf("\n}\n"));
    java.util.Set<String> catalog = new java.util.TreeSet<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?m)^    \"([a-z0-9-]+)\": dict\\(").matcher(block);
    while (m.find()) {
      catalog.add(m.group(1));
    }
    assertEquals(
        java.util.Set.of("vitmae", "dinov2", "clip", "echoclip", "medimageinsight"), catalog);
    io.labelcurve.activities.model.BuiltinModels.all().forEach(b -> catalog.add(b.id()));
    SweepSpec spec = PaperPreset.spec();
    for (String model : spec.allModels()) {
      assertTrue(catalog.contains(model), model + " is not in " + catalog);
    }
  }

  @Test
  void theCommittedPaperSpecIsThePreset() {
    SweepSpec committed = SpecReader.read(Path.of("../examples/paper-sweep.yaml"));
    assertEquals(PaperPreset.spec(committed.dataset()), committed);
    SweepSpec started = SweepCommand.presetOrSpec("paper", "echo/manifest.csv", null);
    assertEquals(committed, started);
  }

  @Test
  void seedsPerIsReadAndOldSpecsStayValid() {
    String base =
        "id: s\ndataset: d/manifest.csv\ntrain_split: train\ntest_splits: [T1]\n"
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
    String spec =
        "id: ft\ndataset: d/manifest.csv\ntrain_split: train\ntest_splits: [T1]\n"
            + "models: [m]\nadaptations: [finetune]\nsampling:\n  image: {sizes: [16, 256, 0]}\n"
            + "seeds: 1\npreset: cpu-small\n";
    SweepPlan.Plan plan =
        SweepPlan.of(SpecReader.parse("ft.yaml", spec), PaperPreset.dataset(), false);
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

  @Test
  void thePlanSaysWhereEachRateComesFromAndHowManyDevicesTheSweepKeepsBusy() {
    SweepPlan.Plan h100 = SweepPlan.of(PaperPreset.spec(), PaperPreset.dataset(), true, "h100");
    SweepPlan.Estimate e = h100.estimate();
    assertEquals("h100", e.device());
    assertEquals(h100.cellsPerModel().size(), e.rates().size());
    for (DeviceRates.Rate r : e.rates()) {
      assertTrue(!r.source().isBlank(), r.model());
      // Not measured: MedImageInsight's rates on the H100 are scaled from the ViT-B ones.
      assertEquals(!r.model().equals("medimageinsight"), r.measured(), r.model());
    }
    assertTrue(e.source().contains("some ASSUMED"), e.source());
    assertTrue(e.busySlots() >= 1 && e.busySlots() <= e.finetuneSlotsAtOnce(), e.toString());
    assertTrue(e.longestCellHours() > 0 && e.longestCellHours() < e.finetuneGpuHours());
    // A slot per finetune cell the workflows run at once: max_cells_in_flight per model.
    int window = PaperPreset.spec().maxCellsInFlight();
    assertTrue(e.finetuneSlotsAtOnce() <= window * h100.cellsPerModel().size(), e.toString());

    SweepPlan.Plan cpu = SweepPlan.of(PaperPreset.spec(), PaperPreset.dataset(), true, "cpu");
    assertTrue(cpu.estimate().totalGpuHours() > 10 * e.totalGpuHours());

    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    SweepPlan.print(
        h100, new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
    String text = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(text.contains("h100 hours (estimate)"), text);
    assertTrue(text.contains("issue #15"), text);
    assertTrue(text.contains("ASSUMED: a third of the ViT-B rates"), text);
    assertTrue(text.contains("device slots stay busy"), text);

    UserError bad =
        org.junit.jupiter.api.Assertions.assertThrows(
            UserError.class,
            () -> SweepPlan.of(PaperPreset.spec(), PaperPreset.dataset(), true, "tpu"));
    assertTrue(bad.getMessage().contains("use one of [h100, cpu]"), bad.getMessage());
  }
}
