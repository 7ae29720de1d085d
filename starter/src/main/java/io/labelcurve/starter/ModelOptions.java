package io.labelcurve.starter;

import io.labelcurve.activities.model.ModelCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The model catalog folder: {@code --models}, else {@code LABELCURVE_MODELS}, else {@code
 * ./models}.
 */
final class ModelOptions {
  static final String ENV = "LABELCURVE_MODELS";

  @Option(
      names = "--models",
      paramLabel = "DIR",
      description =
          "model catalog: a folder per model with model.json and its TorchScript file "
              + "(env "
              + ENV
              + ", default ./models)")
  Path models;

  Path dir() {
    if (models != null) {
      return models;
    }
    String env = System.getenv(ENV);
    return Path.of(env != null && !env.isBlank() ? env : "models");
  }

  /** The catalog; only the built-in models when the folder does not exist. */
  ModelCatalog catalog() {
    Path dir = dir();
    if (!Files.isDirectory(dir)) {
      if (models != null) {
        throw new UserError("--models " + dir + ": no such folder");
      }
      return ModelCatalog.builtinOnly();
    }
    return ModelCatalog.load(dir);
  }
}
