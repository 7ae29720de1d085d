package io.labelcurve.activities.phantom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.dataset.DatasetValidator;
import io.labelcurve.activities.dataset.LocalImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.dataset.ValidationReport;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.image.ImageDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PhantomGeneratorTest {
  @TempDir static Path dir;

  /**
   * Generated once for all tests (generation is the slow part): a and b with seed 7, c with seed 8.
   */
  static PhantomGenerator.Summary a, b, c;

  @BeforeAll
  static void generate() throws Exception {
    a = PhantomGenerator.generate(dir.resolve("a"), 7, PhantomGenerator.Scale.TINY);
    b = PhantomGenerator.generate(dir.resolve("b"), 7, PhantomGenerator.Scale.TINY);
    c = PhantomGenerator.generate(dir.resolve("c"), 8, PhantomGenerator.Scale.TINY);
  }

  @Test
  void tinyIsAValidDatasetShapedLikeThePapers() throws Exception {
    PhantomGenerator.Summary s = a;
    Manifest m = ManifestReader.read(s.manifest());
    assertEquals(s.totalImages(), m.rows().size());
    assertEquals(PhantomGenerator.classes(), m.classes());
    assertEquals(PhantomGenerator.T2_CLASSES, m.classesOf("T2"));
    assertEquals(10, m.classesOf("T1").size());
    m.sequencesPerClass("train")
        .values()
        .forEach(n -> assertTrue(n >= 2, m.sequencesPerClass("train").toString()));
    assertTrue(
        m.sequencesPerClass("train").get("4CH") > m.sequencesPerClass("train").get("SUBCOSTAL"));
    m.rowsOf("T1").forEach(r -> assertEquals("site-D", r.site()));
    m.rowsOf("T2").forEach(r -> assertEquals("site-E", r.site()));
    assertEquals(
        5 * m.sequencesPerClass("T1").values().stream().mapToInt(Integer::intValue).sum(),
        m.rowsOf("T1").size());
    ValidationReport report =
        new DatasetValidator("train", List.of("T1", "T2"), DatasetValidator.ImageCheck.DECODE)
            .validate(m, LocalImageSource.besides(s.manifest()));
    assertTrue(report.ok(), report.errors().toString());
    GreyImage frame =
        ImageDecoder.decode(
            Files.readAllBytes(dir.resolve("a").resolve(m.rows().get(0).image())), "f");
    assertEquals(256, frame.width());
    assertTrue(Files.size(s.contactSheet()) > 10_000);
  }

  @Test
  void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
    assertArrayEquals(Files.readAllBytes(a.manifest()), Files.readAllBytes(b.manifest()));
    Manifest m = ManifestReader.read(a.manifest());
    for (int i : new int[] {0, m.rows().size() / 2, m.rows().size() - 1}) {
      String image = m.rows().get(i).image();
      byte[] x = Files.readAllBytes(dir.resolve("a").resolve(image));
      assertArrayEquals(x, Files.readAllBytes(dir.resolve("b").resolve(image)), image);
      Path other = dir.resolve("c").resolve(image);
      assertFalse(
          Files.exists(other) && Arrays.equals(x, Files.readAllBytes(other)),
          image + " same for another seed");
    }
    assertFalse(
        Arrays.equals(Files.readAllBytes(a.manifest()), Files.readAllBytes(c.manifest()))
            && Arrays.equals(
                Files.readAllBytes(dir.resolve("a").resolve(m.rows().get(0).image())),
                Files.readAllBytes(dir.resolve("c").resolve(m.rows().get(0).image()))));
  }
}
