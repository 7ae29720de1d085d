package io.labelcurve.activities.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.LocalImageSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetImagesTest {
  @TempDir Path dir;

  @Test
  void loadsOriginalsAndVariantsAt256FromAnyOddSizeConcurrently() throws Exception {
    Files.createDirectories(dir.resolve("a"));
    Files.write(dir.resolve("a/x.png"), TestImages.greyPng(301, 177));
    DatasetImages images = new DatasetImages(new LocalImageSource(dir));
    GreyImage original = images.load("a/x.png");
    assertEquals(256, original.width());
    assertEquals(256, original.height());
    GreyImage v1 = images.load("a/x.png#v1");
    assertFalse(Arrays.equals(original.pixels(), v1.pixels()));
    List<float[]> parallel =
        IntStream.range(0, 16)
            .parallel()
            .mapToObj(
                i -> {
                  try {
                    return new DatasetImages(new LocalImageSource(dir), 256, 2)
                        .load("a/x.png#v" + (1 + i % 4))
                        .pixels();
                  } catch (Exception e) {
                    throw new RuntimeException(e);
                  }
                })
            .toList();
    assertArrayEquals(v1.pixels(), parallel.get(0));
    original.pixels()[0] = 42; // callers may modify what they get
    assertTrue(images.load("a/x.png").pixels()[0] <= 1f);
  }

  @Test
  void aMissingImageIsBadInputNamingIt() {
    DatasetImages images = new DatasetImages(new LocalImageSource(dir));
    BadInputException e = assertThrows(BadInputException.class, () -> images.load("nope.png#v2"));
    assertTrue(e.getMessage().contains("nope.png"), e.getMessage());
  }
}
