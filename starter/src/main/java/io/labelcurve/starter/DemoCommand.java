package io.labelcurve.starter;

import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.worker.EmbeddedControlPlane;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.ModelSweepResult;
import io.labelcurve.workflows.sweep.SweepResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code labelcurve demo}: the whole path on the embedded default — a synthetic echo dataset, a
 * linear-probe sweep of every model in the catalog plus the random-features baseline, and a table.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Generate a small synthetic echo dataset and run a linear-probe sweep on the embedded control plane.")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "where results.csv goes (default ./demo-out)")
  Path out = Path.of("demo-out");

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "bucket and dataset folder (default ~/.labelcurve)")
  Path dataDir;

  @Option(names = "--scale", description = "phantom size: tiny, small (default) or medium")
  String scale = "small";

  @Option(names = "--seed", description = "phantom seed (default 7)")
  long seed = 7;

  @Option(names = "--seeds", description = "subset seeds per size (default 2)")
  int seeds = 2;

  @Option(names = "--port", description = "Temporal port (default 7233)")
  int port = 7233;

  @Mixin ModelOptions models;
  @Mixin OutputOptions output;

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    PortCheck.requireFree(port, "the embedded Temporal server", "--port");
    // With -o json, stdout carries the final summary alone; progress goes to stderr.
    java.io.PrintStream say = output.progress();
    Path dir = dataDir != null ? dataDir : UpCommand.defaultDataDir();
    ModelCatalog catalog = models.catalog();
    List<String> pretrained =
        catalog.ids().stream().filter(id -> !catalog.get(id).builtin()).toList();
    if (pretrained.isEmpty()) {
      say.println(
          "No pretrained encoder in "
              + models.dir().toAbsolutePath()
              + ": running the random-features baseline alone.\n  To add one, give --models DIR with a"
              + " folder per model (model.json + TorchScript), e.g. --models ../shared/models,"
              + " or export the paper's encoders with deploy/models/export.py.");
    }
    List<String> sweepModels = new ArrayList<>(pretrained);
    sweepModels.add("random-resnet18");

    PhantomGenerator.Scale phantomScale = DatasetCommand.Generate.scale(scale);
    Path data = dir.resolve("datasets").resolve("phantom-" + scale + "-s" + seed);
    if (!Files.exists(data.resolve("manifest.csv"))) {
      say.println("generating the " + scale + " echo phantom in " + data);
      PhantomGenerator.generate(data, seed, phantomScale);
    }

    try (EmbeddedControlPlane plane =
        EmbeddedControlPlane.start(new EmbeddedControlPlane.Options(dir, port, 0, 0, catalog, 2))) {
      String id =
          "demo-"
              + LocalDateTime.now(ZoneId.systemDefault())
                  .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
      SweepSpec spec =
          new SweepSpec(
              id,
              data.resolve("manifest.csv").toString(),
              "train",
              List.of("T1", "T2"),
              sweepModels,
              List.of("linear-probe"),
              List.of(
                  new SamplingSpec(SamplingSpec.IMAGE, List.of(32, 128, 512, 0), false),
                  new SamplingSpec(SamplingSpec.SEQUENCE, List.of(1, 2, 4), true)),
              // The small phantom has classes with 2 training sequences (Table 2's imbalance): 4
              // per
              // class takes all of theirs, said so by cap_per_class.
              seeds,
              "cpu-small",
              2);
      spec = SweepLauncher.prepare(spec, Path.of("."), catalog, plane.store(), say);
      say.println("sweep " + id + ": " + sweepModels + ", metrics at " + plane.metrics().url());
      SweepLauncher.start(plane.client(), spec);
      SweepResult result =
          SweepStatusPrinter.await(plane.client(), plane.store(), id, sweepModels, say);

      String csv = new SweepStore(plane.store(), id).readResults().orElseThrow();
      Files.createDirectories(out);
      Files.writeString(out.resolve("results.csv"), csv);
      // The sweep wrote its report to the bucket as it ended; a copy goes next to results.csv.
      String reportPrefix = new SweepStore(plane.store(), id).reportPrefix();
      for (String key : plane.store().list(reportPrefix)) {
        Path target = out.resolve("report").resolve(key.substring(reportPrefix.length()));
        Files.createDirectories(target.getParent());
        Files.write(target, plane.store().get(key).orElseThrow());
      }
      say.println();
      ResultsTable.print(csv, say);
      say.printf(
          Locale.ROOT,
          "%n%d cells (%d failed); embeddings: %d images computed, %d from cache%n",
          result.cells(),
          result.cellsFailed(),
          result.imagesEmbedded(),
          result.imagesFromCache());
      // Why they failed: one line per model and distinct message (a model's cells usually fail
      // for one reason, e.g. a model file that cannot be loaded or numbers that are wrong).
      for (ModelSweepResult m : result.models()) {
        m.failedCells().values().stream()
            .distinct()
            .sorted()
            .forEach(
                message ->
                    say.printf(
                        Locale.ROOT,
                        "  %s: %d cells failed: %s%n",
                        m.model(),
                        m.cellsFailed(),
                        message));
      }
      say.printf(
          Locale.ROOT,
          "results: %s (and %s)%nreport:  %s%ndone in %.0f s%n",
          out.resolve("results.csv").toAbsolutePath(),
          result.resultsUri(),
          out.resolve("report/index.html").toAbsolutePath(),
          (System.nanoTime() - start) / 1e9);
      if (output.json()) {
        java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("sweep", id);
        json.put("models", sweepModels);
        json.put("result", SweepCommand.resultJson(result));
        json.put("results_csv", out.resolve("results.csv").toAbsolutePath().toString());
        json.put("report", out.resolve("report/index.html").toAbsolutePath().toString());
        json.put("seconds", Math.round((System.nanoTime() - start) / 1e9));
        output.printJson(json);
      }
      return ExitCode.ofCells(result.cellsFailed()).code();
    }
  }
}
