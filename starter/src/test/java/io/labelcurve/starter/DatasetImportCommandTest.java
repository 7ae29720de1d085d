package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code labelcurve dataset import} from the command line, on the activities module's committed
 * fixtures.
 */
class DatasetImportCommandTest {
  static final Path FIXTURES = Path.of("../activities/src/test/resources/import");

  @TempDir Path dir;

  @Test
  void importsValidatesAndPrintsTheSummary() {
    Path out = dir.resolve("data");
    CliRun r =
        CliRun.inProcess(
            "dataset",
            "import",
            FIXTURES.resolve("dicom").toString(),
            FIXTURES.resolve("images").toString(),
            "--out",
            out.toString(),
            "--frames",
            "even:5",
            "--splits",
            "train=0.7,T1=0.3",
            "--threads",
            "2");
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("dataset validate: ok (train train, test [T1])"), r.out());
    assertTrue(
        r.out().contains("class") && r.out().contains("A4C") && r.out().contains("PLAX"), r.out());
    assertTrue(r.err().contains("sequences"), "a progress bar on stderr: " + r.err());
    assertTrue(Files.exists(out.resolve("manifest.csv")));
    assertTrue(Files.exists(dir.resolve("data.hmac-key")));
    CliRun v = CliRun.inProcess("dataset", "validate", out.resolve("manifest.csv").toString());
    assertEquals(0, v.code(), v.out() + v.err());
  }

  @Test
  void refusedInputsAreListedAndTheExitStatusSaysSo() {
    CliRun r =
        CliRun.inProcess(
            "dataset",
            "import",
            FIXTURES.resolve("dicom").toString(),
            FIXTURES.resolve("bad").toString(),
            "--out",
            dir.resolve("data").toString(),
            "--threads",
            "2");
    assertEquals(1, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("jpeg-ls.dcm: transfer syntax 1.2.840.10008.1.2.4.80"), r.out());
  }

  @Test
  void aBadOptionIsNamed() {
    CliRun r =
        CliRun.inProcess(
            "dataset",
            "import",
            FIXTURES.resolve("dicom").toString(),
            "--out",
            dir.resolve("d").toString(),
            "--frames",
            "some");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("--frames some"), r.err());
  }
}
