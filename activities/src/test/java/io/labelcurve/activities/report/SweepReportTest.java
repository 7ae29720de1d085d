package io.labelcurve.activities.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.embed.LatencyBench;
import io.labelcurve.activities.eval.SequenceOutcomes;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.results.ResultsCsv;
import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    return base
        + 0.01 * (seed - 1)
        - ("T2".equals(split) ? 0.15 : 0)
        + ("sequence".equals(level) ? 0.02 : 0);
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

  static CellRecord cell(
      String sweep,
      String model,
      String sampling,
      int size,
      Integer perClass,
      int trainImages,
      int seed) {
    return cell(sweep, model, sampling, size, perClass, trainImages, seed, true);
  }

  /**
   * A cell whose accuracies are {@link #accuracy}; with {@code outcomes}, per-sequence outcomes of
   * 40 test sequences of 3 frames that give the image-level accuracy up to rounding to 1/120.
   */
  static CellRecord cell(
      String sweep,
      String model,
      String sampling,
      int size,
      Integer perClass,
      int trainImages,
      int seed,
      boolean outcomes) {
    return cell(
        sweep,
        model + "-linear-probe-" + sampling + "-" + size + "-s" + seed,
        model,
        "linear-probe",
        sampling,
        size,
        perClass,
        trainImages,
        seed,
        outcomes);
  }

  static CellRecord cell(
      String sweep,
      String id,
      String model,
      String adaptation,
      String sampling,
      int size,
      Integer perClass,
      int trainImages,
      int seed) {
    return cell(sweep, id, model, adaptation, sampling, size, perClass, trainImages, seed, true);
  }

  static CellRecord cell(
      String sweep,
      String id,
      String model,
      String adaptation,
      String sampling,
      int size,
      Integer perClass,
      int trainImages,
      int seed,
      boolean outcomes) {
    List<CellRecord.Score> scores = new ArrayList<>();
    Map<String, Map<String, int[][]>> confusion = new LinkedHashMap<>();
    List<SequenceOutcomes> kept = new ArrayList<>();
    for (String split : List.of("T1", "T2")) {
      for (String level : List.of("image", "sequence")) {
        scores.add(
            new CellRecord.Score(
                split,
                level,
                accuracy(model, Math.log(trainImages) / Math.log(2), seed, split, level),
                30));
        confusion
            .computeIfAbsent(split, k -> new LinkedHashMap<>())
            .put(level, new int[][] {{9, 1, 0}, {0, 8, 2}, {1, 0, 9}});
      }
      kept.add(
          outcomes(
              split, accuracy(model, Math.log(trainImages) / Math.log(2), seed, split, "image")));
    }
    return new CellRecord(
        sweep,
        id,
        model,
        adaptation,
        sampling,
        size,
        perClass,
        seed,
        trainImages,
        0.5,
        "strong".equals(model) ? 12.0 : 3.0,
        "strong".equals(model) ? 86_000_000L : 11_000_000L,
        CLASSES,
        scores,
        confusion,
        new SweepStore(null, sweep).sampledIdsKey(id),
        Map.of("host", "worker-1", "processors", "2", "solver", "dual-cd"),
        outcomes ? kept : null);
  }

  /**
   * 40 sequences of 3 frames, {@code round(120 · accuracy)} frames right, filled sequence by
   * sequence.
   */
  static SequenceOutcomes outcomes(String split, double accuracy) {
    int sequences = 40;
    int right = (int) Math.round(Math.min(1, accuracy) * 3 * sequences);
    int[] frames = new int[sequences];
    int[] correct = new int[sequences];
    int[] vote = new int[sequences];
    for (int i = 0; i < sequences; i++) {
      frames[i] = 3;
      correct[i] = Math.max(0, Math.min(3, right - 3 * i));
      vote[i] = correct[i] >= 2 ? 1 : 0;
    }
    return new SequenceOutcomes(split, "seqs-" + split, frames, correct, vote, frames.clone());
  }

  static void writeSweep(BlobStore store, String sweep, List<CellRecord> cells, boolean results)
      throws Exception {
    writeSweep(
        store,
        new SweepSpec(
            sweep,
            "s3://bkt/datasets/x/manifest.csv",
            "train",
            List.of("T1", "T2"),
            List.of("strong", "weak"),
            List.of("linear-probe"),
            List.of(
                new SamplingSpec("image", List.of(32, 128, 0), false),
                new SamplingSpec("sequence", List.of(1, 2), false)),
            3,
            "cpu-small",
            2),
        cells,
        results);
  }

  static void writeSweep(BlobStore store, SweepSpec spec, List<CellRecord> cells, boolean results)
      throws Exception {
    String sweep = spec.id();
    DatasetSummary ds =
        new DatasetSummary(
            "s3://bkt/datasets/x/manifest.csv",
            "d1g3st",
            CLASSES,
            "train",
            128,
            POOL,
            Map.of("A", 3, "B", 3, "C", 3),
            Map.of("T1", 30, "T2", 30));
    SweepStore sweepStore = new SweepStore(store, sweep);
    sweepStore.writeSpec(
        spec, ds, Map.of("strong", "strong-abc123", "weak", "weak-def456"), "test");
    for (CellRecord c : cells) {
      sweepStore.writeCell(c);
    }
    if (results) {
      sweepStore.writeResults(ResultsCsv.render(cells));
    }
  }

  /**
   * {@code -Dreport.keep=DIR} keeps a copy of a report in DIR/name: to look at, and to compare the
   * files of a report before and after a change (byte-identical but for the "generated" time).
   */
  static void keep(SweepReport.Summary summary, String name) throws java.io.IOException {
    if (System.getProperty("report.keep") == null) {
      return;
    }
    Path keep = Path.of(System.getProperty("report.keep"), name);
    Files.createDirectories(keep);
    for (Path f : summary.files()) {
      Files.copy(
          f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Test
  void finishedSweepGivesHtmlChartsAndTables() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt"))) {
      writeSweep(store, "syn", cells("syn"), true);
      // A dedicated latency measurement of "strong" (as the embedding activity stores it); "weak"
      // has none.
      LatencyBench.Result latency =
          new LatencyBench.Result(
              "strong",
              "strong-abc123",
              "cpu()",
              "eng",
              224,
              List.of(
                  new LatencyBench.Timing(1, 3, 10, 4.0, 3.9, 4.2, 3.8, 5.0),
                  new LatencyBench.Timing(64, 3, 5, 1.5, 1.4, 1.6, 1.3, 1.7)),
              "2026-12-02T07:00:00Z",
              "worker-1",
              0.5,
              0.7);
      store.put(
          LatencyBench.key("strong-abc123", "eng", "cpu()", 224),
          new ObjectMapper().writeValueAsBytes(latency));
      Path out = dir.resolve("report");
      SweepReport.Summary summary = SweepReport.write(store, "syn", out, false);
      keep(summary, "syn");

      assertFalse(summary.partial());
      assertEquals(30, summary.cells());
      assertEquals(30, summary.plannedCells());
      for (String f :
          List.of(
              "index.html",
              "curves-linear_probe-image.png",
              "curves-linear_probe-image.svg",
              "curves-linear_probe-sequence.png",
              "curves-linear_probe-sequence.svg",
              "tradeoff.png",
              "tradeoff.svg",
              "curves.csv",
              "full-data.csv",
              "labels-to-target.csv",
              "crossings.csv",
              "paired.csv",
              "confusion.csv",
              "provenance.json")) {
        assertTrue(Files.size(out.resolve(f)) > 0, f);
        assertTrue(summary.files().contains(out.resolve(f)), f);
      }
      BufferedImage png = ImageIO.read(out.resolve("curves-linear_probe-image.png").toFile());
      assertEquals(1120, png.getWidth());
      assertTrue(Files.readString(out.resolve("tradeoff.svg")).contains("<svg"));
      // Figure 5: a panel per split and batch, from the measurement, device and batch in the title.
      BufferedImage trade = ImageIO.read(out.resolve("tradeoff.png").toFile());
      assertEquals(2 * 440 + 40, trade.getHeight(), "T1 and T2 at batch 1, then at batch 64");
      List<String> lat = Files.readAllLines(out.resolve("latency.csv"));
      assertEquals(
          "model,device,engine,input_px,batch,warm_up,repeats,median_ms_image,quartiles,min_max,"
              + "load_before_after,measured",
          lat.get(0));
      assertTrue(
          lat.get(1).startsWith("strong,cpu(),eng,224,1,3,10,4.000,3.900–4.200,3.800–5.000,"),
          lat.get(1));
      assertEquals(3, lat.size(), "weak has no measurement");

      String html = Files.readString(out.resolve("index.html"));
      assertTrue(
          html.contains("Complete: 30 of 30 planned cells finished"), html.substring(0, 600));
      assertFalse(html.contains("PARTIAL"));
      assertTrue(html.contains("data:image/png;base64,"));
      assertFalse(html.contains("<script"), "no script needed");

      // Table 3: the full-data cells are the whole pool (512 images); strong at T1 image level,
      // mean over seeds 0..2 of 0.35 + 0.07·9 = 0.98 capped at 0.95.
      List<String> full = Files.readAllLines(out.resolve("full-data.csv"));
      assertEquals(
          "model,adaptation,training_images,training_data,seeds,T1_image,T1_sequence,"
              + "T2_image,T2_sequence,inference_ms_per_image,parameters,T1_image_test_ci95,"
              + "T1_sequence_test_ci95,T2_image_test_ci95,T2_sequence_test_ci95",
          full.get(0));
      assertTrue(
          full.get(1)
              .startsWith(
                  "strong,linear-probe,512,whole pool,3,95.0,97.0,80.0,82.0,12.0000,86000000,"),
          full.get(1));
      assertTrue(
          full.get(2)
              .startsWith(
                  "weak,linear-probe,512,whole pool,3,85.0,87.0,70.0,72.0,3.0000,11000000,"),
          full.get(2));
      assertTrue(html.contains("Most training data per model"), "no Table 3 cells planned");
      assertFalse(html.contains("the paper's Table 3</h2>"));
      // strong at T1 image level: 114 of 120 frames right in every seed (38 sequences all right);
      // the interval of the resampled 40 sequences lies around 95% and below 100.
      String[] strongTest = full.get(1).split(",")[11].split("–");
      assertTrue(
          Double.parseDouble(strongTest[0]) < 95
              && Double.parseDouble(strongTest[1]) <= 100
              && Double.parseDouble(strongTest[1]) > 95,
          full.get(1));

      // Curves: the band is the t interval of 3 seeds ±1 point: half-width t(0.975,2)·0.01/√3.
      List<String> curves = Files.readAllLines(out.resolve("curves.csv"));
      assertTrue(
          curves
              .get(0)
              .endsWith(",ci95_low_pct,ci95_high_pct,test_ci95_low_pct,test_ci95_high_pct"));
      String strong32 =
          curves.stream()
              .filter(
                  l -> l.startsWith("linear-probe,image,T1,image,strong,32,32,3,70.0,67.5,72.5,"))
              .findFirst()
              .orElseThrow(() -> new AssertionError(String.join("\n", curves)));
      // Test-set interval of 40 sequences of 3 frames at 70%: about ±14 points (the sequences are
      // all right or all wrong, so the spread is that of 40 draws, not 120), around the mean.
      String[] f = strong32.split(",");
      double low = Double.parseDouble(f[11]);
      double high = Double.parseDouble(f[12]);
      assertTrue(low < 70 && high > 70 && high - low > 20 && high - low < 35, strong32);

      // Paired: strong beats weak by 10 points on every seed with no variance → no test, said so.
      String paired = Files.readString(out.resolve("paired.csv"));
      assertTrue(
          paired.contains("strong ahead on every seed by the same margin (no test)"), paired);
      assertTrue(
          paired.startsWith(
              "adaptation,sampling,test_split,level,size,model_a,model_b,seeds,"
                  + "a_b_points,95_ci,t,p,p_holm,cohen_s_dz,test_set_95_interval_of_a_b,verdict"),
          paired);
      assertFalse(paired.contains("no test-set interval"), paired);

      // Labels to reach a target on T1 sequence level: strong is at 72% with 32 images, 86% at 128:
      // 80% at 2^(5 + 8/14·2) ≈ 71 images.
      String reach = Files.readString(out.resolve("labels-to-target.csv"));
      assertTrue(reach.contains("linear-probe,image,T1,sequence,strong,≤ 32 images,"), reach);
      assertTrue(reach.contains(",≈ 71 images,"), reach);
      assertFalse(reach.contains("seeds only"), reach);
      assertTrue(html.contains("have no dedicated measurement"), "weak falls back, said so");
      assertTrue(
          html.contains("Holm step-down correction within each panel")
              && html.contains("sequence-clustered percentile bootstrap")
              && html.contains("30 of 30 cells kept per-sequence outcomes"),
          "methods");
      assertTrue(reach.contains("not reached"), reach);

      String confusion = Files.readString(out.resolve("confusion.csv"));
      assertTrue(confusion.contains("strong,linear-probe,T1,image,B,C,6"), "2 per seed × 3 seeds");
      String prov = Files.readString(out.resolve("provenance.json"));
      assertTrue(
          prov.contains("d1g3st")
              && prov.contains("strong-abc123")
              && prov.contains("worker-1")
              && prov.contains("s3://bkt/sweeps/syn/cells/"),
          prov);
    }
  }

  /**
   * Model a is ahead of b by 5, 6 and 8 points on seeds 0–2 at each of three sizes: each paired
   * t-test alone has p = 0.0188 (scipy.stats.ttest_rel), below 0.05; three of them in one panel
   * give Holm-adjusted p = 3 · 0.0188 = 0.0565, above it, so no verdict says "beats".
   */
  @Test
  void pairedVerdictsAreHolmCorrectedWithinAPanel() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt"))) {
      double[] margin = {0.05, 0.06, 0.08};
      List<CellRecord> cells = new ArrayList<>();
      for (int seed = 0; seed < 3; seed++) {
        for (int size : List.of(32, 128, POOL)) {
          CellRecord b = cell("holm", "weak", "image", size, null, size, seed);
          CellRecord a = cell("holm", "strong", "image", size, null, size, seed);
          double m = margin[seed];
          List<CellRecord.Score> scores =
              b.scores().stream()
                  .map(x -> new CellRecord.Score(x.split(), x.level(), x.accuracy() + m, x.n()))
                  .toList();
          cells.add(b);
          cells.add(
              new CellRecord(
                  a.sweep(),
                  a.cell(),
                  a.model(),
                  a.adaptation(),
                  a.sampling(),
                  a.size(),
                  a.perClass(),
                  a.seed(),
                  a.trainImages(),
                  a.trainSeconds(),
                  a.inferMsPerImage(),
                  a.params(),
                  a.classes(),
                  scores,
                  a.confusion(),
                  a.sampledIds(),
                  a.provenance(),
                  a.outcomes()));
        }
      }
      writeSweep(store, "holm", cells, true);
      Path out = dir.resolve("holm-report");
      SweepReport.write(store, "holm", out, false);
      List<String> rows = Files.readAllLines(out.resolve("paired.csv"));
      List<String> t1Image =
          rows.stream().filter(l -> l.startsWith("linear-probe,image,T1,image,")).toList();
      assertEquals(3, t1Image.size(), String.join("\n", rows));
      for (String r : t1Image) {
        assertTrue(r.contains(",0.0188,0.0565,"), r);
        assertTrue(r.endsWith(",no significant difference"), r);
      }
    }
  }

  /**
   * Records written before per-sequence outcomes were kept: the report says so, and still works.
   */
  @Test
  void oldRecordsWithoutOutcomesHaveNoTestSetInterval() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt"))) {
      List<CellRecord> old = new ArrayList<>();
      for (CellRecord c : cells("old")) {
        old.add(
            cell(
                "old",
                c.model(),
                c.sampling(),
                c.size(),
                c.perClass(),
                c.trainImages(),
                c.seed(),
                false));
      }
      writeSweep(store, "old", old, true);
      // As an old worker wrote it: no "outcomes" field at all.
      String json =
          new String(
              store.get(new SweepStore(store, "old").cellKey(old.get(0).cell())).orElseThrow(),
              StandardCharsets.UTF_8);
      String without = json.replaceAll(",\\s*\"outcomes\"\\s*:\\s*null", "");
      assertFalse(without.contains("outcomes"), without);
      store.put(
          new SweepStore(store, "old").cellKey(old.get(0).cell()),
          without.getBytes(StandardCharsets.UTF_8));

      Path out = dir.resolve("old-report");
      SweepReport.write(store, "old", out, false);
      List<String> curves = Files.readAllLines(out.resolve("curves.csv"));
      assertTrue(curves.get(1).endsWith(",,"), "no test-set interval: " + curves.get(1));
      assertTrue(Files.readString(out.resolve("paired.csv")).contains("no test-set interval"));
      assertTrue(Files.readString(out.resolve("labels-to-target.csv")).contains("(seeds only)"));
      assertTrue(
          Files.readString(out.resolve("index.html"))
              .contains(
                  "0 of 30 cells kept per-sequence outcomes; the others have no test-set interval"));
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
      assertTrue(
          html.contains(
              "PARTIAL RESULTS: 7 of 30 planned cells finished; the sweep has not written"
                  + " results.csv yet"),
          html.substring(0, 800));
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
      SweepSpec spec =
          new SweepSpec(
              "paperlike",
              "s3://bkt/datasets/x/manifest.csv",
              "train",
              List.of("T1", "T2"),
              List.of("strong", base),
              List.of("linear-probe"),
              List.of(new SamplingSpec("image", List.of(32, 128), false)),
              2,
              "cpu-small",
              2,
              Map.of(),
              base,
              List.of("strong", base),
              Map.of());
      List<CellRecord> cells = new ArrayList<>();
      for (int seed = 0; seed < 2; seed++) {
        for (int size : List.of(32, 128)) {
          cells.add(cell("paperlike", "strong", "image", size, null, size, seed));
          cells.add(cell("paperlike", base, "image", size, null, size, seed)); // random features
          cells.add(
              cell(
                  "paperlike",
                  Cell.idOf(base, "finetune", "image", size, seed),
                  base,
                  "finetune",
                  "image",
                  size,
                  null,
                  size,
                  seed));
        }
      }
      cells.add(
          cell(
              "paperlike",
              Cell.idOf(base, "finetune", "image", POOL, 0),
              base,
              "finetune",
              "image",
              POOL,
              null,
              POOL,
              0));
      writeSweep(store, spec, cells, true);
      Path out = dir.resolve("paperlike");
      SweepReport.Summary summary = SweepReport.write(store, "paperlike", out, false);
      keep(summary, "paperlike");
      // Planned: 2 models x 2 sizes x 2 seeds, the baseline's 4, Table 3's 2; strong's is missing.
      assertEquals(14, summary.plannedCells());
      assertEquals(13, summary.cells());

      String curves = Files.readString(out.resolve("curves.csv"));
      assertTrue(
          curves.contains(
              "linear-probe,image,T1,image,resnet50-scratch (trained: baseline)," + "32,32,2,"),
          curves);
      assertTrue(
          curves.contains(
              "linear-probe,image,T1,image,resnet50-scratch (random features:"
                  + " extra),32,32,2,"),
          curves);
      // The whole-pool cell is Table 3's, not a point of the baseline curve.
      assertFalse(
          curves.contains(
              "linear-probe,image,T1,image,resnet50-scratch (trained: baseline)," + "512"),
          curves);
      assertTrue(curves.contains("finetune,image,T1,image,resnet50-scratch,512,512,1,"), curves);

      String html = Files.readString(out.resolve("index.html"));
      assertTrue(
          html.contains("Full training data (the paper&#39;s Table 3)")
              || html.contains("Full training data (the paper's Table 3)"),
          html);
      assertTrue(html.contains("1 of 2 finished (missing: strong)"), html);
      List<String> full = Files.readAllLines(out.resolve("full-data.csv"));
      assertTrue(
          full.stream()
              .anyMatch(
                  l ->
                      l.startsWith(
                          "resnet50-scratch,finetune,512,whole"
                              + " pool,1,84.0,86.0,69.0,71.0,3.0000,11000000,")),
          String.join("\n", full));
      assertTrue(
          full.stream()
              .anyMatch(
                  l ->
                      l.startsWith(
                          "strong,linear-probe,128,largest size run:" + " 25.0% of the pool,")),
          String.join("\n", full));
    }
  }
}
