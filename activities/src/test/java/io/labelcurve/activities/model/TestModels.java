package io.labelcurve.activities.model;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the test catalogs are. */
public final class TestModels {
  private TestModels() {}

  /**
   * The shared catalog {@code shared/models}, a sibling of the repository root (found by walking up
   * from the working directory to the folder with {@code mvnw}); {@code LABELCURVE_MODELS}
   * overrides it. May not exist: callers skip then.
   */
  public static Path sharedModels() {
    String env = System.getenv("LABELCURVE_MODELS");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("mvnw"))) {
      p = p.getParent();
    }
    Path root = p == null ? Path.of("").toAbsolutePath() : p;
    Path parent = root.getParent() == null ? root : root.getParent();
    return parent.resolve("shared").resolve("models");
  }

  /** The test resources' catalog, holding {@code tiny-cnn}. */
  public static Path fixtureCatalog() {
    try {
      return Path.of(TestModels.class.getResource("/models/tiny-cnn/model.json").toURI())
          .getParent()
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A catalog in {@code dir/models} holding {@code tiny-cnn}'s encoder under each of {@code ids}:
   * as many models (another id, another digest) for the price of one fixture.
   *
   * @return the catalog's folder
   */
  public static Path tinyCnnUnder(Path dir, String... ids) throws IOException {
    Path tiny = fixtureCatalog().resolve("tiny-cnn");
    Path models = dir.resolve("models");
    for (String id : ids) {
      Path folder = Files.createDirectories(models.resolve(id));
      Files.copy(tiny.resolve("encoder.pt"), folder.resolve("encoder.pt"));
      Files.writeString(
          folder.resolve("model.json"),
          Files.readString(tiny.resolve("model.json"))
              .replace("\"id\": \"tiny-cnn\"", "\"id\": \"" + id + "\""));
    }
    return models;
  }
}
