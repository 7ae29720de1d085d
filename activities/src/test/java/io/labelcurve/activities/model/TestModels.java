package io.labelcurve.activities.model;

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
}
