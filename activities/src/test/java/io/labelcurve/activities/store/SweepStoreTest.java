package io.labelcurve.activities.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep's files written and read back through the real S3 API (S3Proxy): what the activities
 * write is what the CLI and the report read, under the keys users and older workers know.
 */
class SweepStoreTest {
  @TempDir Path dir;

  private static final SweepSpec SPEC =
      new SweepSpec(
          "s1",
          "s3://bkt/datasets/x/manifest.csv",
          "train",
          List.of("T1"),
          List.of("m1", "m2"),
          List.of("linear-probe"),
          List.of(new SamplingSpec("image", List.of(4, 8), false)),
          2,
          "cpu-small",
          2);

  private static final DatasetSummary DATASET =
      new DatasetSummary(
          "s3://bkt/datasets/x/manifest.csv",
          "d1g3st",
          List.of("A", "B"),
          "train",
          16,
          16,
          Map.of("A", 2, "B", 2),
          Map.of("T1", 8));

  private static CellRecord cell(String id) {
    return new CellRecord(
        "s1",
        id,
        "m1",
        "linear-probe",
        "image",
        4,
        null,
        0,
        4,
        0.25,
        1.5,
        1000,
        List.of("A", "B"),
        List.of(new CellRecord.Score("T1", "image", 0.75, 8)),
        Map.of("T1", Map.of("image", new int[][] {{3, 1}, {1, 3}})),
        "sweeps/s1/cells/" + id + ".ids.txt",
        Map.of("host", "h"),
        null);
  }

  @Test
  void aSweepsFilesRoundTripUnderTheirKeys() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore blobs = S3BlobStore.connect(s3.settings("bkt"))) {
      SweepStore sweep = new SweepStore(blobs, "s1");
      assertTrue(sweep.readSpec().isEmpty(), "no spec.json before the sweep writes it");
      assertTrue(sweep.readCells().isEmpty());
      assertTrue(sweep.readResults().isEmpty());

      assertEquals(
          "s3://bkt/sweeps/s1/spec.json",
          sweep.writeSpec(SPEC, DATASET, Map.of("m1", "m1-abc", "m2", "m2-def"), "test"));
      SweepStore.StoredSpec stored = sweep.readSpec().orElseThrow();
      assertEquals(SPEC, stored.spec());
      assertEquals(DATASET, stored.dataset());
      assertEquals(2 * 2 * 2, stored.cells().size(), "2 models × 2 sizes × 2 seeds");
      assertEquals(
          "m1-abc", sweep.readSpecDocument().orElseThrow().path("model_keys").path("m1").asText());
      assertEquals(
          stored, SweepStore.parseSpec(sweep.readSpecDocument().orElseThrow()).orElseThrow());

      CellRecord a = cell("a");
      assertEquals("s3://bkt/sweeps/s1/cells/a.json", sweep.writeCell(a));
      sweep.writeCell(cell("b"));
      assertEquals(
          "sweeps/s1/cells/a.ids.txt", sweep.writeSampledIds("a", List.of("img1", "img2#v1")));
      CellRecord back = sweep.readCell("a").orElseThrow();
      assertEquals(a.scores(), back.scores());
      assertEquals(a.provenance(), back.provenance());
      assertTrue(sweep.readCell("c").isEmpty());
      assertEquals(List.of("img1", "img2#v1"), sweep.readSampledIds("a").orElseThrow());
      // The ids file is not a cell.
      assertEquals(List.of("a", "b"), List.copyOf(sweep.finishedCells()));
      assertEquals(List.of("a", "b"), sweep.readCells().stream().map(CellRecord::cell).toList());

      assertEquals(
          "s3://bkt/sweeps/s1/failures/m1.r1.json",
          sweep.writeFailures("m1.r1", Map.of("c", "boom")));
      sweep.writeFailures("m2.r1", Map.of("d", "bad input"));
      assertEquals(Map.of("c", "boom", "d", "bad input"), sweep.readFailures());

      assertEquals("s3://bkt/sweeps/s1/results.csv", sweep.writeResults("a,b\n1,2\n"));
      assertEquals("a,b\n1,2\n", sweep.readResults().orElseThrow());

      Path page = Files.writeString(dir.resolve("index.html"), "<html></html>");
      assertEquals(
          "s3://bkt/sweeps/s1/report/index.html", sweep.writeReportFile("index.html", page));
      assertEquals(sweep.reportUri(), "s3://bkt/sweeps/s1/report/index.html");
      assertEquals(
          "<html></html>",
          new String(
              blobs.get("sweeps/s1/report/index.html").orElseThrow(), StandardCharsets.UTF_8));
      assertEquals("sweeps/s1/checkpoints/a/", sweep.checkpointsPrefix("a"));

      // Another sweep's files, and a file deeper than a sweep's spec.json, are not a sweep.
      new SweepStore(blobs, "s0").writeSpec(SPEC.withId("s0"), DATASET, Map.of(), "test");
      blobs.put("sweeps/s1/report/spec.json", new byte[] {'{', '}'});
      assertEquals(List.of("s0", "s1"), SweepStore.sweepIds(blobs));
      assertEquals("s3://bkt/sweeps/", SweepStore.rootUri(blobs));
    }
  }

  @Test
  void aSpecDocumentWithoutItsDatasetReadsAsNoPlan() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore blobs = S3BlobStore.connect(s3.settings("bkt"))) {
      SweepStore sweep = new SweepStore(blobs, "half");
      blobs.put(sweep.specKey(), "{\"spec\": {}}".getBytes(StandardCharsets.UTF_8));
      assertTrue(SweepStore.parseSpec(sweep.readSpecDocument().orElseThrow()).isEmpty());
      assertTrue(SweepStore.parseSpec(null).isEmpty());
    }
  }
}
