package io.labelcurve.activities.dicom;

import static org.junit.jupiter.api.Assertions.fail;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Cut-off and corrupted copies of every DICOM fixture either decode or are refused with a {@link
 * BadInputException} naming the file; nothing else escapes the reader.
 */
class DicomRobustnessTest {
  private static List<Path> fixtures() throws IOException {
    try (Stream<Path> files = Files.walk(DicomImageTest.ROOT.resolve("dicom"))) {
      return files.filter(p -> p.toString().endsWith(".dcm")).sorted().toList();
    }
  }

  private static void decodeOrRefuse(String name, byte[] bytes) {
    try {
      DicomImage image = DicomImage.parse(name, bytes);
      for (int f = 0; f < image.frames(); f++) {
        image.frame(f);
      }
    } catch (BadInputException e) {
      if (!e.getMessage().startsWith(name + ":") && !e.getMessage().startsWith(name + ", frame")) {
        fail("refusal without the file's name: " + e.getMessage());
      }
    } catch (RuntimeException e) {
      fail(name + ": " + e, e);
    }
  }

  @Test
  void truncatedCopiesAreRefusedByName() throws IOException {
    for (Path file : fixtures()) {
      byte[] whole = Files.readAllBytes(file);
      for (int cut = 0; cut < whole.length; cut += Math.max(1, whole.length / 97)) {
        decodeOrRefuse(file + "@" + cut, java.util.Arrays.copyOf(whole, cut));
      }
    }
  }

  @Test
  void corruptedCopiesAreRefusedByName() throws IOException {
    SplittableRandom random = new SplittableRandom(16);
    for (Path file : fixtures()) {
      byte[] whole = Files.readAllBytes(file);
      for (int trial = 0; trial < 300; trial++) {
        byte[] copy = whole.clone();
        for (int k = 0; k < 4; k++) {
          copy[132 + random.nextInt(copy.length - 132)] = (byte) random.nextInt(256);
        }
        decodeOrRefuse(file + "#" + trial, copy);
      }
    }
  }
}
