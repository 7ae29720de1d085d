package io.labelcurve.activities.embed;

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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture's check pair was written by PyTorch 1.13 (activities/src/test/python/
 * make_check_pair.py); DJL's libtorch 2.7.1 must reproduce it.
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

  @Test
  void anotherPyTorchsEmbeddingsAreReproducedAndAChangedOneIsNot() throws Exception {
    Path folder = copyOfFixture();
    try (Encoder enc = open(folder)) {
      ExportCheck.Result same = ExportCheck.run(enc, folder).orElseThrow();
      assertTrue(same.close(), "worst excess " + same.worstExcess());
      assertTrue(same.maxAbsDiff() < 1e-5, "max |diff| " + same.maxAbsDiff());

      float[][] want;
      try (InputStream in = Files.newInputStream(folder.resolve(ExportCheck.OUTPUT))) {
        want = Npy.readFloats(in);
      }
      want[1][3] += 0.01f;
      Files.write(folder.resolve(ExportCheck.OUTPUT), Npy.floatsToBytes(want, want[0].length));
      ExportCheck.Result changed = ExportCheck.run(enc, folder).orElseThrow();
      assertFalse(changed.close());
      assertTrue(changed.maxAbsDiff() > 0.009, "max |diff| " + changed.maxAbsDiff());
    }
  }

  @Test
  void noPairIsNoCheckAndAPairOfTheWrongShapeNamesItsFile() throws Exception {
    Path folder = copyOfFixture();
    try (Encoder enc = open(folder)) {
      Files.write(folder.resolve(ExportCheck.INPUT),
          Npy.floatsToBytes(new float[][] {new float[10], new float[10]}, 10));
      BadInputException e = assertThrows(BadInputException.class,
          () -> ExportCheck.run(enc, folder));
      assertTrue(e.getMessage().contains(ExportCheck.INPUT)
          && e.getMessage().contains("12288"), e.getMessage());
      Files.delete(folder.resolve(ExportCheck.INPUT));
      assertTrue(ExportCheck.run(enc, folder).isEmpty());
    }
  }
}
