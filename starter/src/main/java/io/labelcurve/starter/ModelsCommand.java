package io.labelcurve.starter;

import io.labelcurve.activities.embed.Encoder;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.embed.ExportCheck;
import io.labelcurve.activities.embed.Preprocessor;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.Preset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code labelcurve models …}: the catalog. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List and check catalog models.",
    subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Check.class})
final class ModelsCommand {

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The models of the catalog.")
  static final class ListModels implements Callable<Integer> {
    @Mixin ModelOptions models;

    @Override
    public Integer call() {
      ModelCatalog catalog = ModelCatalog.scan(models.dir());
      System.out.printf("%-24s %-11s %6s %9s  %s%n", "id", "format", "input", "dim", "key");
      for (String id : catalog.ids()) {
        ModelSpec s = catalog.get(id);
        System.out.printf(Locale.ROOT, "%-24s %-11s %6d %9d  %s%n", id, s.format(), s.input().size(),
            s.embeddingDim(), catalog.modelKey(s));
      }
      catalog.problems().forEach(p -> System.out.println("problem: " + p));
      return catalog.problems().isEmpty() ? 0 : 2;
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Load a model, run one batch, print its dimension, parameters and ms per image.")
  static final class Check implements Callable<Integer> {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--batch", description = "images in the batch (default 8)")
    int batch = 8;

    @Option(names = "--preset", description = "run it at a preset's input size too (e.g."
        + " cpu-small: 160 px to embed, 96 px to finetune); the exporter check stays at its own")
    String preset;

    @Mixin ModelOptions models;

    @Override
    public Integer call() {
      ModelCatalog catalog = models.catalog();
      ModelSpec spec = catalog.get(id);
      Preprocessor pre = new Preprocessor(spec);
      List<float[]> inputs = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        float[] px = new float[256 * 256];
        for (int j = 0; j < px.length; j++) {
          px[j] = ((j * 31 + i * 7) % 256) / 255f;
        }
        inputs.add(pre.apply(new GreyImage(256, 256, px)));
      }
      if (preset != null) {
        Preset p = Preset.named(preset);
        for (ModelSpec shrunk : List.of(p.apply(spec), p.applyFinetune(spec))) {
          if (shrunk.input().size() != spec.input().size()) {
            try (Encoder e = Encoders.open(catalog, shrunk, null)) {
              System.out.printf(Locale.ROOT, "%s: takes the %s preset's %d px input (dim %d)%n",
                  id, p.name(), shrunk.input().size(), e.dim());
            }
          }
        }
      }
      try (Encoder encoder = Encoders.open(catalog, spec, null)) {
        encoder.embed(inputs);
        long t0 = System.nanoTime();
        float[][] out = encoder.embed(inputs);
        double ms = (System.nanoTime() - t0) / 1e6 / batch;
        System.out.printf(Locale.ROOT, "%s: dim %d, %.2f M parameters, %.1f ms per image (batch %d, %s)%n",
            id, out[0].length, encoder.params() / 1e6, ms, batch, Encoders.defaultDevice());
        Optional<Path> folder = catalog.folder(id);
        Optional<ExportCheck.Result> check = folder.flatMap(f -> ExportCheck.run(encoder, f));
        if (check.isEmpty()) {
          if (spec.builtin()) {
            return 0;
          }
          System.out.println("  no exporter check beside it (" + ExportCheck.INPUT + ", "
              + ExportCheck.OUTPUT + ": deploy/models/export.py --check writes them)");
          return 0;
        }
        ExportCheck.Result r = check.get();
        System.out.printf(Locale.ROOT, "  exporter check: %d images, max |PyTorch %s - exporter| ="
            + " %.2e: %s%n", r.rows(), Encoders.engineVersion(), r.maxAbsDiff(), r.close()
            ? "matches (rtol " + ExportCheck.RTOL + ", atol " + ExportCheck.ATOL + ")"
            : "DIFFERS beyond rtol " + ExportCheck.RTOL + ", atol " + ExportCheck.ATOL
                + ": this engine does not compute what the exporter did");
        return r.close() ? 0 : 1;
      }
    }
  }
}
