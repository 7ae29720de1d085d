package io.labelcurve.starter;

import io.labelcurve.activities.embed.EmbedBenchmark;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.embed.NullEncoder;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.torch.TorchRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code labelcurve bench embed}: images per second from PNG files to stored embeddings, and the
 * share of time in decode, preprocessing, inference and storage.
 */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description =
        "Embed PNG files end to end (decode, preprocess, encoder, .npy shards in a local "
            + "S3 bucket) and time it; deploy/models/bench_torch.py runs PyTorch on the same files.")
final class BenchEmbedCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      description =
          "catalog model id, or 'null' for no encoder: the pipeline alone from PNG and from the"
              + " frame store, in images/s per core")
  String model;

  @Option(names = "--images", description = "images to embed (default 512)")
  int images = 512;

  @Option(names = "--batch", description = "images per encoder batch (default 32)")
  int batch = 32;

  @Option(names = "--threads", description = "PyTorch intra-op threads (default: all processors)")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--decode-threads",
      description = "threads decoding and preprocessing ahead of " + "the encoder (default 2)")
  int decodeThreads = 2;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "folder of the benchmark's PNG "
              + "files (the synthetic phantom; generated when missing; default ./bench-embed-data)")
  Path data = Path.of("bench-embed-data");

  @Option(
      names = "--passes",
      description =
          "with --model null: timed passes over the images; each path's figure is its pass of"
              + " median CPU time (default 5)")
  int passes = 5;

  @Mixin ModelOptions models;
  @Mixin OutputOptions output;

  @Override
  public Integer call() throws Exception {
    if (images < 1 || batch < 1 || threads < 1 || decodeThreads < 1 || passes < 1) {
      throw new UserError(
          "--images, --batch, --threads, --decode-threads and --passes must be >= 1");
    }
    if (NullEncoder.ID.equals(model)) {
      return runNull();
    }
    ModelCatalog catalog = models.catalog();
    catalog.get(model);
    Encoders.setIntraOpThreads(threads);
    // The oneDNN cap changes which kernels run: say which one these numbers are for.
    java.io.PrintStream say = output.progress();
    say.println("numerics: " + TorchRuntime.numerics().describe());
    List<String> ids = EmbedBenchmark.images(data, images);
    printInTempBucket(
        bucket ->
            EmbedBenchmark.run(catalog, model, data, ids, batch, decodeThreads, bucket, null));
    say.println(
        "images listed in "
            + data.resolve("images.txt")
            + " for "
            + "deploy/models/bench_torch.py");
    return ExitCode.OK.code();
  }

  /** A benchmark run against a bucket folder. */
  private interface BenchRun {
    Object run(Path bucket) throws Exception;
  }

  /**
   * Runs {@code bench} against a temporary bucket folder, prints its result, deletes the folder.
   */
  private void printInTempBucket(BenchRun bench) throws Exception {
    Path bucket = Files.createTempDirectory("labelcurve-bench-s3");
    try {
      Object result = bench.run(bucket);
      if (output.json()) {
        output.printJson(result);
      } else {
        System.out.println(result);
      }
    } finally {
      try (var walk = Files.walk(bucket)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** {@code --model null}: the pipeline alone, from PNG and from the frame store. */
  private int runNull() throws Exception {
    List<String> ids = EmbedBenchmark.images(data, images);
    printInTempBucket(
        bucket -> EmbedBenchmark.runNull(data, ids, batch, decodeThreads, passes, bucket));
    output
        .progress()
        .println(
            "images listed in "
                + data.resolve("images.txt")
                + " for deploy/models/bench_torch.py --null");
    return ExitCode.OK.code();
  }
}
