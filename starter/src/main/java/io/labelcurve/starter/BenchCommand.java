package io.labelcurve.starter;

import io.labelcurve.activities.svm.SvmBenchmark;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code labelcurve bench …}: measurements that are too long for tests. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks (results go to docs/BENCHMARKS.md).",
    subcommands = {BenchCommand.Svm.class, BenchEmbedCommand.class, BenchLoadCommand.class})
final class BenchCommand {

  @Command(
      name = "svm",
      mixinStandardHelpOptions = true,
      description = "Train the linear SVM on synthetic embedding-like data and time it.")
  static final class Svm implements Callable<Integer> {
    @Option(names = "--n", description = "training samples (default 100000)")
    int n = 100_000;

    @Option(names = "--d", description = "dimensions (default 768)")
    int d = 768;

    @Option(names = "--classes", description = "classes (default 10)")
    int classes = 10;

    @Option(
        names = "--threads",
        description =
            "threads that draw the data and train (default: all processors); the model is the same for any count")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--seed")
    long seed = 1;

    @Option(
        names = "--save",
        paramLabel = "DIR",
        description =
            "also write the data as .npy for activities/src/test/python/bench_sklearn_svm.py")
    Path save;

    @Mixin OutputOptions output;

    @Override
    public Integer call() throws Exception {
      SvmBenchmark.Result result;
      try {
        result = SvmBenchmark.run(n, d, classes, seed, threads, save);
      } catch (IllegalArgumentException e) {
        throw new UserError("bench svm: " + e.getMessage());
      }
      if (output.json()) {
        output.printJson(result);
      } else {
        System.out.println(result);
      }
      return ExitCode.OK.code();
    }
  }
}
