package io.labelcurve.activities.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.results.CellRecords;
import io.labelcurve.activities.results.ResultsCsv;
import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.labelcurve.workflows.plan.Cell;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A report of a small synthetic sweep, read through a real S3Proxy. */
class SweepReportTest {
  static final List<String> CLASSES = List.of("A", "B", "C");
  static final int POOL = 512;

  @TempDir Path dir;

  /** Model "strong" is 10 points above "weak" at every size, seed noise ±1 point. */
  static double accuracy(String model, double log2x, int seed, String split, String level) {
    double base = Math.min(0.95, 0.35 + 0.07 * log2x) + ("strong".equals(model) ? 0.0 : -0.10);
    return base + 0.01 * (seed - 1) - ("T2".equals(split) ? 0.15 : 0) + ("sequence".equals(level) ? 0.02 : 0);
  }

  static List<CellRecord> cells(String sweep) {
    List<CellRecord> out = new ArrayList<>();
    for (String model : List.of("strong", "weak")) {
      for (int seed = 0; seed < 3; seed++) {
        for (int size : List.of(32, 128, POOL)) {
          out.add(cell(sweep, model, "image", size, null, size, seed));
        }
        for (int k : List.of(1, 2)) {
          out.add(cell(sweep, model, "sequence", 3 * k, k, 100 * k, seed));
        }
      }
    }
    return out;
  }

  static CellRecord cell(String sweep, String model, String sampling, int size, Integer perClass,
      int trainImages, int seed) {
    return cell(sweep, model + "-linear-probe-" + sampling + "-" + size + "-s" + seed, model,
        "linear-probe", sampling, size, perClass, trainImages, seed);
  }

  static CellRecord cell(String sweep, String id, String model, String adaptation, String sampling,
      int size, Integer perClass, int trainImages, int seed) {
    List<CellRecord.Score> scores = new ArrayList<>();
    Map<String, Map<String, int[][]>> confusion = new LinkedHashMap<>();
    for (String split : List.of("T1", "T2")) {
      for (String level : List.of("image", "sequence")) {
        scores.add(new CellRecord.Score(split, level,
            accuracy(model, Math.log(trainImages) / Math.log(2), seed, split, level), 30));
        confusion.computeIfAbsent(split, k -> new LinkedHashMap<>())
            .put(level, new int[][] {{9, 1, 0}, {0, 8, 2}, {1, 0, 9}});
      }
    }
    return new CellRecord(sweep, id, model, adaptation, sampling, size, perClass, seed,
        trainImages, 0.5, "strong".equals(model) ? 12.0 : 3.0, "strong".equals(model) ? 86_000_000L : 11_000_000L,
        CLASSES, scores, confusion, CellRecords.idsKey(sweep, id),
        Map.of("host", "worker-1", "processors", "2", "solver", "dual-cd"));
  }

  static void writeSweep(BlobStore store, String sweep, List<CellRecord> cells, boolean results)
      throws Exception {
    writeSweep(store, new SweepSpec(sweep, "s3://bkt/datasets/x/manifest.csv", "train",
        List.of("T1", "T2"), List.of("strong", "weak"), List.of("linear-probe"),
        List.of(new SamplingSpec("image", List.of(32, 128, 0), false),
            new SamplingSpec("sequence", List.of(1, 2), false)), 3, "cpu-small", 2), cells, results);
  }

  static void writeSweep(BlobStore store, SweepSpec spec, List<CellRecord> cells, boolean results)
      throws Exception {
    String sweep = spec.id();
    DatasetSummary ds = new DatasetSummary("s3://bkt/datasets/x/manifest.csv", "d1g3st", CLASSES,
        "train", 128, POOL, Map.of("A", 3, "B", 3, "C", 3), Map.of("T1", 30, "T2", 30));
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("spec", spec);
    doc.put("dataset", ds);
    doc.put("model_keys", Map.of("strong", "strong-abc123", "weak", "weak-def456"));
    doc.put("labelcurve_version", "test");
    store.put(CellRecords.specKey(sweep), CellRecords.MAPPER.writeValueAsBytes(doc));
    for (CellRecord c : cells) {
      store.put(CellRecords.cellKey(sweep, c.cell()), CellRecords.MAPPER.writeValueAsBytes(c));
    }
    if (results) {
      store.put(CellRecords.resultsKey(sweep), ResultsCsv.render(cells).getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void finishedSweepGivesHtmlChartsAndTables() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt"))) {
      writeSweep(store, "syn", cells("syn"), true);
      Path out = dir.resolve("report");
      SweepReport.Summary summary = SweepReport.write(store, "syn", out, false);
      // -Dreport.keep=DIR keeps a copy to look at.
      if (System.getProperty("report.keep") != null) {
        Path keep = Path.of(System.getProperty("report.keep"));
        Files.createDirectories(keep);
        for (Path f : summary.files()) {
          Files.copy(f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }

      assertFalse(summary.partial());
      assertEquals(30, summary.cells());
      assertEquals(30, summary.plannedCells());
      for (String f : List.of("index.html", "curves-linear_probe-image.png", "curves-linear_probe-image.svg",
          "curves-linear_probe-sequence.png", "curves-linear_probe-sequence.svg", "tradeoff.png",
          "tradeoff.svg", "curves.csv", "full-data.csv", "labels-to-target.csv", "crossings.csv",
          "paired.csv", "confusion.csv", "provenance.json")) {
        assertTrue(Files.size(out.resolve(f)) > 0, f);
        assertTrue(summary.files().contains(out.resolve(f)), f);
      }
      BufferedImage png = ImageIO.read(out.resolve("curves-linear_probe-image.png").toFile());
      assertEquals(1120, png.getWidth());
      assertTrue(Files.readString(out.resolve("tradeoff.svg")).contains("<svg"));

      String html = Files.readString(out.resolve("index.html"));
      assertTrue(html.contains("Complete: 30 of 30 planned cells finished"), html.substring(0, 600));
      assertFalse(html.contains("PARTIAL"));
      assertTrue(html.contains("data:image/png;base64,"));
      assertFalse(html.contains("<script"), "no script needed");

      // Table 3: the full-data cells are the whole pool (512 images); strong at T1 image level,
      // mean over seeds 0..2 of 0.35 + 0.07·9 = 0.98 capped at 0.95.
      List<String> full = Files.readAllLines(out.resolve("full-data.csv"));
      assertEquals("model,adaptation,training_images,training_data,seeds,T1_image,T1_sequence,"
          + "T2_image,T2_sequence,inference_ms_per_image,parameters", full.get(0));
      assertEquals("strong,linear-probe,512,whole pool,3,95.0,97.0,80.0,82.0,12.0000,86000000",
          full.get(1));
      assertEquals("weak,linear-probe,512,whole pool,3,85.0,87.0,70.0,72.0,3.0000,11000000",
          full.get(2));
      assertTrue(html.contains("Most training data per model"), "no Table 3 cells planned");
      assertFalse(html.contains("the paper's Table 3</h2>"));

      // Curves: the band is the t interval of 3 seeds ±1 point: half-width t(0.975,2)·0.01/√3.
      List<String> curves = Files.readAllLines(out.resolve("curves.csv"));
      assertTrue(curves.contains("linear-probe,image,T1,image,strong,32,32,3,70.0,67.5,72.5"),
          String.join("\n", curves));

      // Paired: strong beats weak by 10 points on every seed with no variance → no test, said so.
      String paired = Files.readString(out.resolve("paired.csv"));
      assertTrue(paired.contains("strong ahead on every seed by the same margin (no test)"), paired);

      // Labels to reach a target on T1 sequence level: strong is at 72% with 32 images, 86% at 128:
      // 80% at 2^(5 + 8/14·2) ≈ 71 images.
      String reach = Files.readString(out.resolve("labels-to-target.csv"));
      assertTrue(reach.contains("linear-probe,image,T1,sequence,strong,≤ 32 images,≈ 71 images"), reach);
      assertTrue(reach.contains("not reached"), reach);

      String confusion = Files.readString(out.resolve("confusion.csv"));
      assertTrue(confusion.contains("strong,linear-probe,T1,image,B,C,6"), "2 per seed × 3 seeds");
      String prov = Files.readString(out.resolve("provenance.json"));
      assertTrue(prov.contains("d1g3st") && prov.contains("strong-abc123") && prov.contains("worker-1")
          && prov.contains("s3://bkt/sweeps/syn/cells/"), prov);
    }
  }

  @Test
  void runningSweepIsMarkedPartial() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt"))) {
      List<CellRecord> some = cells("run").subList(0, 7);
      writeSweep(store, "run", some, false);
      SweepReport.Summary summary = SweepReport.write(store, "run", dir.resolve("r"), false);
      assertTrue(summary.partial());
      assertEquals(7, summary.cells());
      String html = Files.readString(summary.index());
      assertTrue(html.contains("PARTIAL RESULTS: 7 of 30 planned cells finished; the sweep has not written"
          + " results.csv yet"), html.substring(0, 800));
      assertTrue(html.contains("<title>labelcurve report: run (partial)</title>"));
    }
  }

  @Test
  void finishedSweepWithMissingCellsIsPartialToo() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt"))) {
      writeSweep(store, "failed", cells("failed").subList(1, 30), true);
      assertTrue(ReportData.read(store, "failed").incomplete());
      assertTrue(SweepReport.write(store, "failed", dir.resolve("f"), false).partial());
    }
  }

  @Test
  void theBaselineIsDrawnInTheLinearProbePanelsAndTable3SaysWhatItHolds() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt"))) {
      String base = "resnet50-scratch";
      SweepSpec spec = new SweepSpec("paperlike", "s3://bkt/datasets/x/manifest.csv", "train",
          List.of("T1", "T2"), List.of("strong", base), List.of("linear-probe"),
          List.of(new SamplingSpec("image", List.of(32, 128), false)), 2, "cpu-small", 2,
          Map.of(), base, List.of("strong", base), Map.of());
      List<CellRecord> cells = new ArrayList<>();
      for (int seed = 0; seed < 2; seed++) {
        for (int size : List.of(32, 128)) {
          cells.add(cell("paperlike", "strong", "image", size, null, size, seed));
          cells.add(cell("paperlike", base, "image", size, null, size, seed)); // random features
          cells.add(cell("paperlike", Cell.idOf(base, "finetune", "image", size, seed), base,
              "finetune", "image", size, null, size, seed));
        }
      }
      cells.add(cell("paperlike", Cell.idOf(base, "finetune", "image", POOL, 0), base, "finetune",
          "image", POOL, null, POOL, 0));
      writeSweep(store, spec, cells, true);
      Path out = dir.resolve("paperlike");
      SweepReport.Summary summary = SweepReport.write(store, "paperlike", out, false);
      // Planned: 2 models x 2 sizes x 2 seeds, the baseline's 4, Table 3's 2; strong's is missing.
      assertEquals(14, summary.plannedCells());
      assertEquals(13, summary.cells());

      String curves = Files.readString(out.resolve("curves.csv"));
      assertTrue(curves.contains("linear-probe,image,T1,image,resnet50-scratch (trained: baseline),"
          + "32,32,2,"), curves);
      assertTrue(curves.contains("linear-probe,image,T1,image,resnet50-scratch (random features:"
          + " extra),32,32,2,"), curves);
      // The whole-pool cell is Table 3's, not a point of the baseline curve.
      assertFalse(curves.contains("linear-probe,image,T1,image,resnet50-scratch (trained: baseline),"
          + "512"), curves);
      assertTrue(curves.contains("finetune,image,T1,image,resnet50-scratch,512,512,1,"), curves);

      String html = Files.readString(out.resolve("index.html"));
      assertTrue(html.contains("Full training data (the paper&#39;s Table 3)")
          || html.contains("Full training data (the paper's Table 3)"), html);
      assertTrue(html.contains("1 of 2 finished (missing: strong)"), html);
      List<String> full = Files.readAllLines(out.resolve("full-data.csv"));
      assertTrue(full.contains("resnet50-scratch,finetune,512,whole pool,1,84.0,86.0,69.0,71.0,"
          + "3.0000,11000000"), String.join("\n", full));
      assertTrue(full.stream().anyMatch(l -> l.startsWith("strong,linear-probe,128,largest size run:"
          + " 25.0% of the pool,")), String.join("\n", full));
    }
  }
}
