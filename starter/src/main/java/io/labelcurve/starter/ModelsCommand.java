package io.labelcurve.starter;

import io.labelcurve.activities.embed.Encoder;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.embed.ExportCheck;
import io.labelcurve.activities.embed.NumericsCanary;
import io.labelcurve.activities.embed.Preprocessor;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.torch.TorchRuntime;
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
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = "List and check catalog models.",
    subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Check.class})
final class ModelsCommand {

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "The models of the catalog.")
  static final class ListModels implements Callable<Integer> {
    @Mixin ModelOptions models;
    @Mixin OutputOptions output;

    @Override
    public Integer call() throws Exception {
      if (models.models != null && !java.nio.file.Files.isDirectory(models.dir())) {
        // Listing the built-in models alone would hide the typo.
        throw new UserError("--models " + models.dir() + ": no such folder");
      }
      ModelCatalog catalog = ModelCatalog.scan(models.dir());
      if (output.json()) {
        java.util.List<java.util.Map<String, Object>> rows = new ArrayList<>();
        for (String id : catalog.ids()) {
          ModelSpec s = catalog.get(id);
          java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
          row.put("id", id);
          row.put("format", s.format());
          row.put("input", s.input().size());
          row.put("dim", s.embeddingDim());
          row.put("key", catalog.modelKey(s));
          rows.add(row);
        }
        output.printJson(java.util.Map.of("models", rows, "problems", catalog.problems()));
        return (catalog.problems().isEmpty() ? ExitCode.OK : ExitCode.BAD_INPUT).code();
      }
      System.out.printf("%-24s %-11s %6s %9s  %s%n", "id", "format", "input", "dim", "key");
      for (String id : catalog.ids()) {
        ModelSpec s = catalog.get(id);
        System.out.printf(
            Locale.ROOT,
            "%-24s %-11s %6d %9d  %s%n",
            id,
            s.format(),
            s.input().size(),
            s.embeddingDim(),
            catalog.modelKey(s));
      }
      catalog.problems().forEach(p -> System.out.println("problem: " + p));
      return (catalog.problems().isEmpty() ? ExitCode.OK : ExitCode.BAD_INPUT).code();
    }
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description =
          "Load a model, run one batch, print its dimension, parameters and ms per image;"
              + " check its numbers: batch 1 against the workers' batch sizes, and against the"
              + " exporter's PyTorch reference where one lies beside it.")
  static final class Check implements Callable<Integer> {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--batch", description = "images in the timed batch (default 8)")
    int batch = 8;

    @Option(
        names = "--preset",
        description =
            "also check it at a preset's input sizes and batch"
                + " sizes (e.g. cpu-small: 160 px to embed in batches of 16, 96 px to finetune)")
    String preset;

    @Mixin ModelOptions models;
    @Mixin OutputOptions output;

    /** Text lines: stdout, or stderr when stdout carries the JSON. */
    private java.io.PrintStream say = System.out;

    /** Each numerics check, for -o json. */
    private final List<java.util.Map<String, Object>> checks = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      say = output.progress();
      java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
      ModelCatalog catalog = models.catalog();
      ModelSpec spec = catalog.get(id);
      Optional<Path> folder = catalog.folder(id);
      String device = String.valueOf(Encoders.defaultDevice());
      say.println("numerics: " + TorchRuntime.numerics().describe());
      boolean right = true;
      try (Encoder encoder = Encoders.open(catalog, spec, null)) {
        List<float[]> inputs = timingInputs(new Preprocessor(spec), batch);
        encoder.embed(inputs);
        long t0 = System.nanoTime();
        float[][] out = encoder.embed(inputs);
        double ms = (System.nanoTime() - t0) / 1e6 / batch;
        say.printf(
            Locale.ROOT,
            "%s: dim %d, %.2f M parameters, %.1f ms per image (batch %d," + " %s)%n",
            id,
            out[0].length,
            encoder.params() / 1e6,
            ms,
            batch,
            device);
        json.put("model", id);
        json.put("dim", out[0].length);
        json.put("params", encoder.params());
        json.put("ms_per_image", Math.round(ms * 100) / 100.0);
        json.put("batch", batch);
        json.put("device", device);
        json.put("engine", TorchRuntime.numerics().describe());
        right &= printCanary(spec, encoder, folder, Preset.PAPER.batchSize(), device);
      }
      if (preset != null) {
        Preset p = Preset.named(preset);
        right &= checkShrunk(catalog, folder, p.apply(spec), p.batchSize(), "embed", device);
        right &=
            checkShrunk(
                catalog, folder, p.applyFinetune(spec), p.finetuneBatchSize(), "finetune", device);
      }
      if (folder.isPresent() && !spec.builtin() && !ExportCheck.present(folder.get())) {
        say.println(
            "  no PyTorch reference beside it ("
                + ExportCheck.INPUT
                + ", "
                + ExportCheck.OUTPUT
                + ": deploy/models/export.py --check writes them); batch"
                + " invariance alone was checked");
      }
      if (output.json()) {
        json.put("numerics", checks);
        json.put("numerics_ok", right);
        output.printJson(json);
      }
      return (right ? ExitCode.OK : ExitCode.NUMERICS_WRONG).code();
    }

    private boolean checkShrunk(
        ModelCatalog catalog,
        Optional<Path> folder,
        ModelSpec shrunk,
        int batch,
        String use,
        String device) {
      try (Encoder e = Encoders.open(catalog, shrunk, null)) {
        say.printf(
            Locale.ROOT,
            "%s: takes the %d px input it is given to %s (dim %d)%n",
            shrunk.id(),
            shrunk.input().size(),
            use,
            e.dim());
        return printCanary(shrunk, e, folder, batch, device);
      }
    }

    /** The canary a worker runs before it takes work, printed; false when it failed. */
    private boolean printCanary(
        ModelSpec spec, Encoder encoder, Optional<Path> folder, int batch, String device) {
      NumericsCanary.Report r =
          NumericsCanary.run(spec, encoder::embed, folder, batch, device, () -> {});
      say.printf(
          Locale.ROOT,
          "  numerics at %d px, batch %d: %s: %s%n",
          spec.input().size(),
          batch,
          r.summary(),
          r.passed()
              ? "ok"
              : "WRONG: this engine does not compute what PyTorch does; a worker refuses it");
      java.util.Map<String, Object> check = new java.util.LinkedHashMap<>();
      check.put("input", spec.input().size());
      check.put("batch", batch);
      check.put("summary", r.summary());
      check.put("passed", r.passed());
      checks.add(check);
      return r.passed();
    }

    private static List<float[]> timingInputs(Preprocessor pre, int batch) {
      List<float[]> inputs = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        float[] px = new float[256 * 256];
        for (int j = 0; j < px.length; j++) {
          px[j] = ((j * 31 + i * 7) % 256) / 255f;
        }
        inputs.add(pre.apply(new GreyImage(256, 256, px)));
      }
      return inputs;
    }
  }
}
