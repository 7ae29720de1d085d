package io.labelcurve.activities.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.DatasetValidator;
import io.labelcurve.activities.dataset.LocalImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.dataset.ValidationReport;
import io.labelcurve.activities.dicom.DicomImage;
import io.labelcurve.activities.frames.FrameSelection;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole import on the committed DICOM, video and image fixtures, checked by the project's own
 * validator.
 */
class DatasetImporterTest {
  static final Path ROOT = Path.of("src/test/resources/import");

  /** Header values of the DICOM fixtures that must never reach the output. */
  static final List<String> SECRETS =
      List.of(
          "PAT-SECRET",
          "Doe^Jane",
          "Jane",
          "St Elsewhere",
          "Far Away",
          "Acme",
          "EchoPro",
          "grey-native",
          "ybr422",
          "clip",
          "img0");

  @TempDir Path tmp;

  private ImportOptions options(Path out, Path... sources) {
    return ImportOptions.defaults(List.of(sources), out).withSeedAndThreads(7, 2);
  }

  @Test
  void dicomVideoAndImagesBecomeAManifestThatValidates() throws IOException {
    Path out = tmp.resolve("data");
    ImportSummary summary =
        DatasetImporter.run(
            options(out, ROOT.resolve("dicom"), ROOT.resolve("video"), ROOT.resolve("images"))
                .withFrames(FrameSelection.parse("even:5")),
            null);
    System.out.print(summary.format());
    assertEquals(List.of(), summary.refused());
    // 11 DICOM files (5+1+4+4+1+1+2 A4C frames; 4+4+3+2 PLAX), 2 videos (5 of 10, 5 of 6), 6
    // images.
    assertEquals(19, summary.sequences());
    assertEquals(5 + 1 + 4 + 4 + 1 + 1 + 2 + 4 + 4 + 3 + 2 + 5 + 5 + 6, summary.frames());

    Manifest m = ManifestReader.read(summary.manifest());
    assertEquals(summary.frames(), m.rows().size());
    ValidationReport report =
        new DatasetValidator("train", List.of("T1"), DatasetValidator.ImageCheck.DECODE)
            .validate(m, LocalImageSource.besides(summary.manifest()));
    assertTrue(report.ok(), report.errors().toString());
    assertEquals(Set.of("A4C", "PLAX"), Set.copyOf(m.classes()));
    // even:5 over 6 frames keeps 0, 1, 2(.5→3), 4, 5
    Map<String, List<Integer>> framesOf =
        m.rows().stream()
            .collect(
                Collectors.groupingBy(
                    ManifestRow::sequence,
                    LinkedHashMap::new,
                    Collectors.mapping(ManifestRow::frame, Collectors.toList())));
    assertTrue(framesOf.containsValue(List.of(0, 1, 3, 4, 5)), framesOf.toString());
    assertTrue(
        framesOf.containsValue(List.of(0, 2, 5, 7, 9)),
        framesOf.toString()); // the 10-frame clip: 0, 2.25, 4.5, 6.75, 9 rounded
  }

  @Test
  void framesEqualDcmtksDecodingAndIdsArePseudonymsOfTheKey() throws IOException {
    Path out = tmp.resolve("data");
    ImportSummary summary = DatasetImporter.run(options(out, ROOT.resolve("dicom")), null);
    Pseudonyms key = Pseudonyms.loadOrCreate(summary.keyFile());
    DicomImage rle = DicomImage.read(ROOT.resolve("dicom/PLAX/rgb-rle.dcm"));
    String sequence = key.id("sequence", "s", "sop:" + rle.sopInstanceUid().orElseThrow());
    Manifest m = ManifestReader.read(summary.manifest());
    List<ManifestRow> rows = m.rows().stream().filter(r -> r.sequence().equals(sequence)).toList();
    assertEquals(4, rows.size());
    for (ManifestRow row : rows) {
      assertEquals(key.id("patient", "p", "PAT-SECRET-4711"), row.patient());
      assertEquals(key.id("site", "site", "Acme\u0000EchoPro 9\u0000St Elsewhere"), row.site());
      Raster mine = ImageIO.read(out.resolve(row.image()).toFile()).getRaster();
      Raster dcmtk =
          ImageIO.read(ROOT.resolve("reference/rgb-rle." + row.frame() + ".png").toFile())
              .getRaster();
      assertArrayEquals(
          dcmtk.getPixels(0, 0, 32, 24, (int[]) null), mine.getPixels(0, 0, 32, 24, (int[]) null));
    }
  }

  @Test
  void noPatientIdNameOrOtherHeaderValueAnywhereInTheOutput() throws IOException {
    Path out = tmp.resolve("data");
    ImportSummary summary =
        DatasetImporter.run(
            options(out, ROOT.resolve("dicom"), ROOT.resolve("video"), ROOT.resolve("images")),
            null);
    assertFalse(summary.keyFile().startsWith(out), "the key lies beside the output, not in it");
    String keyHex = Files.readString(summary.keyFile()).trim();
    try (Stream<Path> files = Files.walk(out)) {
      for (Path p : files.toList()) {
        String name = out.relativize(p).toString();
        SECRETS.forEach(s -> assertFalse(name.contains(s), name + " contains " + s));
        if (Files.isRegularFile(p)) {
          String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
          for (String s : SECRETS) {
            assertFalse(text.contains(s), p + " contains '" + s + "'");
          }
          assertFalse(text.contains(keyHex), p + " contains the key");
        }
      }
    }
  }

  @Test
  void aRerunSkipsFinishedFilesAndWritesTheSameManifest() throws IOException {
    Path out = tmp.resolve("data");
    ImportSummary first =
        DatasetImporter.run(options(out, ROOT.resolve("dicom"), ROOT.resolve("images")), null);
    byte[] manifest = Files.readAllBytes(first.manifest());
    ImportSummary second =
        DatasetImporter.run(options(out, ROOT.resolve("dicom"), ROOT.resolve("images")), null);
    assertEquals(0, second.imported());
    assertEquals(first.imported(), second.resumed());
    assertArrayEquals(manifest, Files.readAllBytes(second.manifest()));
    // other frame settings redo the work
    ImportSummary third =
        DatasetImporter.run(
            options(out, ROOT.resolve("dicom"), ROOT.resolve("images"))
                .withFrames(FrameSelection.parse("every:2")),
            null);
    assertEquals(first.imported(), third.imported());
    assertNotEquals(first.frames(), third.frames());
  }

  @Test
  void wholeSitesGoToTheOodSplitAndNoPatientStraddlesTwoSplits() throws IOException {
    Path out = tmp.resolve("data");
    Map<String, Double> splits = new LinkedHashMap<>();
    splits.put("train", 0.5);
    splits.put("T1", 0.5);
    ImportSummary summary =
        DatasetImporter.run(options(out, ROOT.resolve("dicom")).withSplits(splits, 1, "T2"), null);
    Manifest m = ManifestReader.read(summary.manifest());
    Map<String, Set<String>> splitsOfSite = new HashMap<>();
    Map<String, Set<String>> splitsOfPatient = new HashMap<>();
    for (ManifestRow r : m.rows()) {
      splitsOfSite.computeIfAbsent(r.site(), s -> new java.util.TreeSet<>()).add(r.split());
      splitsOfPatient.computeIfAbsent(r.patient(), s -> new java.util.TreeSet<>()).add(r.split());
    }
    assertEquals(2, splitsOfSite.size());
    assertTrue(
        splitsOfSite.values().stream().anyMatch(s -> s.equals(Set.of("T2"))),
        splitsOfSite.toString());
    splitsOfPatient.values().forEach(s -> assertEquals(1, s.size(), splitsOfPatient.toString()));
  }

  @Test
  void labelsFromACsvByUidOrFileAndAnUnmatchedRowIsNamed() throws IOException {
    Path out = tmp.resolve("data");
    DicomImage jpeg = DicomImage.read(ROOT.resolve("dicom/PLAX/ybr422-jpeg.dcm"));
    Path csv = tmp.resolve("labels.csv");
    try (CSVPrinter printer =
        new CSVPrinter(
            Files.newBufferedWriter(csv),
            CSVFormat.RFC4180
                .builder()
                .setHeader("file", "sop_instance_uid", "label", "patient")
                .get())) {
      printer.printRecord("", jpeg.sopInstanceUid().orElseThrow(), "PSAX", "");
      printer.printRecord("A4C/clip.mp4", "", "A2C", "patient-7");
      printer.printRecord("nowhere/missing.dcm", "", "A4C", "");
    }
    ImportSummary summary =
        DatasetImporter.run(
            options(out, ROOT.resolve("dicom"), ROOT.resolve("video")).withLabels(csv), null);
    Manifest m = ManifestReader.read(summary.manifest());
    assertTrue(
        m.classes().containsAll(List.of("PSAX", "A2C", "A4C", "PLAX")), m.classes().toString());
    Pseudonyms key = Pseudonyms.loadOrCreate(summary.keyFile());
    assertTrue(
        m.rows().stream()
            .anyMatch(
                r ->
                    r.label().equals("A2C")
                        && key.id("patient", "p", "patient-7").equals(r.patient())));
    assertEquals(
        List.of(
            new Refusal(csv + ", row 4", "file 'nowhere/missing.dcm' matches no imported file")),
        summary.refused());
  }

  @Test
  void everyBadInputIsNamedWithItsReason() {
    Path out = tmp.resolve("data");
    ImportSummary summary =
        DatasetImporter.run(options(out, ROOT.resolve("dicom"), ROOT.resolve("bad")), null);
    Map<String, String> reasons =
        summary.refused().stream()
            .collect(
                Collectors.toMap(
                    r -> Path.of(r.input()).getFileName().toString(), Refusal::reason));
    assertTrue(
        reasons.get("not-dicom.dcm").startsWith("not a DICOM Part 10 file"), reasons.toString());
    assertTrue(reasons.get("truncated.dcm").startsWith("truncated"), reasons.toString());
    assertTrue(reasons.get("no-pixels.dcm").startsWith("no pixel data"), reasons.toString());
    assertTrue(reasons.get("jpeg-ls.dcm").contains("1.2.840.10008.1.2.4.80"), reasons.toString());
    assertTrue(reasons.get("jpeg-ls.dcm").contains("dcmdjpls"), reasons.toString());
    assertTrue(reasons.get("broken.mp4").startsWith("no label"), reasons.toString());
  }

  @Test
  void anOutputFolderAndKeyInsideTheSourceAreNotImported() throws IOException {
    Path src = tmp.resolve("src");
    Files.createDirectories(src.resolve("A4C"));
    Files.copy(ROOT.resolve("images/A4C/img0.png"), src.resolve("A4C/x.png"));
    ImportOptions inside =
        options(src.resolve("A4C/out"), src).withKeyFile(src.resolve("A4C/key.hex"));
    ImportSummary first = DatasetImporter.run(inside, null);
    ImportSummary again = DatasetImporter.run(inside, null);
    assertEquals(List.of(), again.refused());
    assertEquals(1, first.sequences());
    assertEquals(1, again.sequences());
  }

  @Test
  void anUnreadableVideoIsNamed() throws IOException {
    Path src = tmp.resolve("src/A4C");
    Files.createDirectories(src);
    Files.copy(ROOT.resolve("bad/broken.mp4"), src.resolve("broken.mp4"));
    Files.copy(ROOT.resolve("images/A4C/img0.png"), src.resolve("ok.png"));
    ImportSummary summary =
        DatasetImporter.run(options(tmp.resolve("data"), tmp.resolve("src")), null);
    assertEquals(1, summary.refused().size());
    assertTrue(summary.refused().get(0).input().endsWith("broken.mp4"));
    assertTrue(
        summary.refused().get(0).reason().startsWith("unreadable video"),
        summary.refused().toString());
  }

  @Test
  void singleFrameFilesOfOneSeriesBecomeOneSequenceInInstanceNumberOrder() throws IOException {
    Path series = ROOT.resolve("series");
    ImportSummary apart = DatasetImporter.run(options(tmp.resolve("apart"), series), null);
    assertEquals(3, apart.sequences());
    ImportSummary together =
        DatasetImporter.run(
            options(tmp.resolve("together"), series).withSeriesAsSequence(true), null);
    assertEquals(1, together.sequences());
    Manifest m = ManifestReader.read(together.manifest());
    assertEquals(List.of(0, 1, 2), m.rows().stream().map(ManifestRow::frame).toList());
    // b.dcm has Instance Number 1, c.dcm 2, a.dcm 3; their pixels are the base ramp + 50 × Instance
    // Number
    for (ManifestRow r : m.rows()) {
      Raster png = ImageIO.read(tmp.resolve("together").resolve(r.image()).toFile()).getRaster();
      assertEquals((50 * (r.frame() + 1)) % 256, png.getSample(0, 0, 0), r.toString());
    }
  }

  @Test
  void aKeyInsideTheOutputIsRefusedBeforeAnyWork() {
    Path out = tmp.resolve("data");
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                DatasetImporter.run(
                    options(out, ROOT.resolve("images")).withKeyFile(out.resolve("k.hex")), null));
    assertTrue(e.getMessage().contains("must not lie inside the output folder"), e.getMessage());
    assertFalse(Files.exists(out.resolve("manifest.csv")));
  }
}
