package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.TestModels;
import io.labelcurve.activities.npy.Npy;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture's check pair was written by PyTorch 1.13 (activities/src/test/python/
 * make_check_pair.py); DJL's libtorch 2.7.1 must reproduce it at batch 1 and in a batch.
 */
class ExportCheckTest {
  @TempDir Path dir;

  private Path copyOfFixture() throws Exception {
    Path from = TestModels.fixtureCatalog().resolve("tiny-cnn");
    Path to = Files.createDirectories(dir.resolve("catalog").resolve("tiny-cnn"));
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  private static Encoder open(Path folder) {
    ModelCatalog catalog = ModelCatalog.load(folder.getParent());
    return Encoders.open(catalog, catalog.get("tiny-cnn"), Device.cpu());
  }

  private static NumericsCanary.Report canary(Encoder enc, Path folder) {
    return NumericsCanary.run(enc.spec(), enc::embed, Optional.of(folder), 16, "cpu()", () -> {});
  }

  @Test
  void anotherPyTorchsEmbeddingsAreReproducedAndAChangedOneIsNot() throws Exception {
    Path folder = copyOfFixture();
    try (Encoder enc = open(folder)) {
      NumericsCanary.Report same = canary(enc, folder);
      assertTrue(same.passed(), same.summary());
      assertTrue(same.referenceMaxDiff() < 1e-5, same.summary());
      assertTrue(same.reference().startsWith("PyTorch reference"), same.reference());

      float[][] want;
      try (InputStream in = Files.newInputStream(folder.resolve(ExportCheck.OUTPUT))) {
        want = Npy.readFloats(in);
      }
      want[1][3] += 0.01f;
      Files.write(folder.resolve(ExportCheck.OUTPUT), Npy.floatsToBytes(want, want[0].length));
      NumericsCanary.Report changed = canary(enc, folder);
      assertFalse(changed.passed());
      assertTrue(changed.batchClose(), "the engine itself is still batch-invariant");
      assertTrue(changed.referenceMaxDiff() > 0.009, changed.summary());
      assertTrue(
          changed.failure().contains("tiny-cnn")
              && changed.failure().contains("PyTorch 2.7.1")
              && changed.failure().contains("ONEDNN_MAX_CPU_ISA"),
          changed.failure());
    }
  }

  @Test
  void noPairIsNoReferenceAndAPairOfTheWrongShapeNamesItsFile() throws Exception {
    Path folder = copyOfFixture();
    try (Encoder enc = open(folder)) {
      Files.write(
          folder.resolve(ExportCheck.INPUT),
          Npy.floatsToBytes(new float[][] {new float[10], new float[10]}, 10));
      BadInputException e = assertThrows(BadInputException.class, () -> canary(enc, folder));
      assertTrue(
          e.getMessage().contains(ExportCheck.INPUT) && e.getMessage().contains("12288"),
          e.getMessage());
      Files.delete(folder.resolve(ExportCheck.INPUT));
      NumericsCanary.Report none = canary(enc, folder);
      assertTrue(none.passed(), none.summary());
      assertTrue(Double.isNaN(none.referenceMaxDiff()));
      assertEquals(NumericsCanary.SYNTHETIC_INPUTS, none.inputs());
    }
  }
}
