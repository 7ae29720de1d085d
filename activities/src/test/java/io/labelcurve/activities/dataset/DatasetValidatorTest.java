package io.labelcurve.activities.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.image.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetValidatorTest {
  @TempDir Path dir;

  private static final String HEADER = "image,label,sequence,split,frame,patient,site\n";
  private static final DatasetValidator VALIDATOR = new DatasetValidator("train", List.of("T1"));

  /**
   * Writes the manifest and a small PNG for every image it names (unless listed in {@code skip}).
   */
  private Manifest dataset(String rows, String... skip) throws IOException {
    Path file = dir.resolve("manifest.csv");
    Files.writeString(file, HEADER + rows);
    Manifest m = ManifestReader.read(file);
    for (ManifestRow r : m.rows()) {
      if (!List.of(skip).contains(r.image())) {
        Path image = dir.resolve(r.image());
        Files.createDirectories(image.getParent());
        Files.write(image, TestImages.greyPng(9, 7));
      }
    }
    return m;
  }

  private LocalImageSource images() {
    return new LocalImageSource(dir);
  }

  private static void assertError(ValidationReport report, String... fragments) {
    boolean found =
        report.errors().stream()
            .anyMatch(
                e -> {
                  for (String f : fragments) {
                    if (!e.contains(f)) {
                      return false;
                    }
                  }
                  return true;
                });
    assertTrue(found, "no error with " + List.of(fragments) + " in " + report.errors());
  }

  private static final String GOOD =
      "t/a.png,2CH,s1,train,0,p1,A\nt/b.png,2CH,s2,train,0,p2,A\nt/c.png,4CH,s3,train,0,p3,A\n"
          + "t/d.png,4CH,s4,train,0,p4,A\nx/e.png,2CH,s5,T1,0,p5,D\nx/f.png,4CH,s6,T1,0,p6,D\n";

  @Test
  void acceptsAGoodDataset() throws IOException {
    ValidationReport report = VALIDATOR.validateOrThrow(dataset(GOOD), images());
    assertTrue(report.ok());
    assertTrue(
        report.warnings().stream().anyMatch(w -> w.contains("only 2 sequences")),
        report.warnings().toString());
    ValidationReport imageOnly =
        VALIDATOR.sequenceSampling(false).validateOrThrow(dataset(GOOD), images());
    assertTrue(
        imageOnly.warnings().stream().noneMatch(w -> w.contains("sequences")),
        "a sweep without sequence sampling is not warned about few sequences: "
            + imageOnly.warnings());
  }

  @Test
  void refusesAnEmptySplit() throws IOException {
    Manifest m = dataset(GOOD);
    ValidationReport report =
        new DatasetValidator("train", List.of("T1", "T2")).validate(m, images());
    assertError(report, "manifest.csv", "split 'T2' has no rows");
  }

  @Test
  void refusesATestClassNeverSeenInTraining() throws IOException {
    ValidationReport report =
        VALIDATOR.validate(dataset(GOOD + "x/g.png,PLAX,s7,T1,0,p7,D\n"), images());
    assertError(report, "manifest.csv, row 8", "'PLAX'", "never appears in training");
  }

  @Test
  void refusesASequenceInTwoSplitsNamingBothRows() throws IOException {
    ValidationReport report =
        VALIDATOR.validate(dataset(GOOD + "x/g.png,2CH,s1,T1,1,p9,D\n"), images());
    assertError(report, "manifest.csv, rows 2 and 8", "sequence 's1'", "'train'", "'T1'");
  }

  @Test
  void refusesAPatientInTwoSplitsNamingBothRows() throws IOException {
    ValidationReport report =
        VALIDATOR.validate(dataset(GOOD + "x/g.png,2CH,s9,T1,1,p2,D\n"), images());
    assertError(report, "manifest.csv, rows 3 and 8", "patient 'p2'");
  }

  @Test
  void refusesASequenceWithTwoLabels() throws IOException {
    ValidationReport report =
        VALIDATOR.validate(dataset(GOOD + "t/g.png,4CH,s1,train,1,p1,A\n"), images());
    assertError(report, "rows 2 and 8", "sequence 's1'", "'2CH'", "'4CH'");
  }

  @Test
  void refusesAMissingImageNamingRowAndPath() throws IOException {
    ValidationReport report = VALIDATOR.validate(dataset(GOOD, "t/c.png"), images());
    assertError(
        report, "manifest.csv, row 4", "t/c.png", "not found", dir.resolve("t/c.png").toString());
  }

  @Test
  void refusesAnUnreadableImage() throws IOException {
    Manifest m = dataset(GOOD);
    Files.writeString(dir.resolve("t/b.png"), "garbage");
    assertError(VALIDATOR.validate(m, images()), "manifest.csv, row 3", "t/b.png");
  }

  @Test
  void refusesADecompressionBombWithoutDecodingIt() throws IOException {
    Manifest m = dataset(GOOD);
    Files.write(dir.resolve("t/a.png"), TestImages.pngDeclaring(60_000, 60_000));
    assertError(VALIDATOR.validate(m, images()), "manifest.csv, row 2", "60000x60000");
  }

  @Test
  void warnsAboutHeavyImbalance() throws IOException {
    StringBuilder rows = new StringBuilder(GOOD);
    for (int i = 0; i < 50; i++) {
      rows.append("t/big").append(i).append(".png,4CH,s3,train,").append(i + 1).append(",p3,A\n");
    }
    ValidationReport report = VALIDATOR.validate(dataset(rows.toString()), images());
    assertTrue(report.ok(), report.errors().toString());
    assertTrue(
        report.warnings().stream().anyMatch(w -> w.contains("imbalanced") && w.contains("'4CH'")),
        report.warnings().toString());
  }

  @Test
  void validateOrThrowListsAllErrorsInOneException() throws IOException {
    Manifest m = dataset(GOOD + "x/g.png,PLAX,s1,T1,0,p1,D\n", "t/d.png");
    BadInputException e =
        assertThrows(BadInputException.class, () -> VALIDATOR.validateOrThrow(m, images()));
    assertTrue(e.getMessage().contains("errors"), e.getMessage());
    assertTrue(
        e.getMessage().contains("row 5") && e.getMessage().contains("row 8"), e.getMessage());
  }

  @Test
  void digestIsDeterministicAndChangesWithAnImageByteALabelOrASplit() throws IOException {
    Manifest m = dataset(GOOD);
    DatasetDigest d = DatasetDigest.of(m, images());
    assertEquals(d, DatasetDigest.of(m, images()));
    assertEquals(64, d.hex().length());
    assertEquals(d.hex().substring(0, 16), d.cacheKey());

    // Row order does not matter.
    List<ManifestRow> reversed = new java.util.ArrayList<>(m.rows());
    java.util.Collections.reverse(reversed);
    assertEquals(d, DatasetDigest.of(new Manifest(m.location(), reversed), images()));

    byte[] bytes = Files.readAllBytes(dir.resolve("t/a.png"));
    bytes[bytes.length - 20] ^= 1;
    Files.write(dir.resolve("t/a.png"), bytes);
    DatasetDigest changedImage = DatasetDigest.of(m, images());
    assertNotEquals(d, changedImage);

    List<ManifestRow> relabelled = new java.util.ArrayList<>(m.rows());
    ManifestRow r = relabelled.get(0);
    relabelled.set(
        0,
        new ManifestRow(
            r.rowNumber(),
            r.image(),
            "4CH",
            r.sequence(),
            r.split(),
            r.frame(),
            r.patient(),
            r.site()));
    assertNotEquals(
        changedImage, DatasetDigest.of(new Manifest(m.location(), relabelled), images()));
    relabelled.set(
        0,
        new ManifestRow(
            r.rowNumber(),
            r.image(),
            r.label(),
            r.sequence(),
            "T1",
            r.frame(),
            r.patient(),
            r.site()));
    assertNotEquals(
        changedImage, DatasetDigest.of(new Manifest(m.location(), relabelled), images()));
  }
}
