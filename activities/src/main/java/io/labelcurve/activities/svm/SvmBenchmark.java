package io.labelcurve.activities.svm;

import io.labelcurve.activities.npy.Npy;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Times {@link LinearSvcTrainer} (scikit-learn defaults, {@code dual="auto"}) on synthetic
 * embedding-like data: overlapping Gaussian class clusters in a random low-rank subspace plus
 * isotropic noise, like {@code src/test/python/make_svm_fixture.py}. The training data is drawn
 * straight into a {@link RowBlocks} matrix, one copy only, in chunks of {@value #DRAW_CHUNK_ROWS}
 * rows with a generator per chunk, so that any thread count draws the same data. Optionally writes
 * the data as {@code .npy} so {@code src/test/python/bench_sklearn_svm.py} times scikit-learn on
 * exactly the same arrays.
 */
public final class SvmBenchmark {
  /** Rank of the class subspace. */
  static final int RANK = 32;

  /** Spread of the class means in the subspace (within-class spread is 1). */
  static final double SEPARATION = 0.8;

  /** Standard deviation of the isotropic noise in every dimension. */
  static final double NOISE = 0.5;

  /** Rows drawn from one generator. */
  static final int DRAW_CHUNK_ROWS = 4096;

  private SvmBenchmark() {}

  /**
   * @param n training samples
   * @param d solver's dimension
   * @param drawSeconds wall seconds to draw the training and test data
   * @param trainSeconds wall seconds of {@link LinearSvcTrainer#train} alone
   * @param trainCpuSeconds CPU seconds of the whole process (all threads) over the same span: less
   *     sensitive than wall time to other programs on a shared machine
   * @param accuracy on the held-out set of {@code testSize} samples
   * @param peakHeapGiB largest heap in use (live data and garbage) seen by a 100 ms sampler from
   *     the start of drawing to the end of training
   */
  public record Result(
      int n,
      int d,
      int classes,
      int threads,
      String solver,
      double drawSeconds,
      double trainSeconds,
      double trainCpuSeconds,
      double accuracy,
      int testSize,
      int[] iterations,
      boolean allConverged,
      double peakHeapGiB) {
    @Override
    public String toString() {
      return String.format(
          "svm n=%d d=%d classes=%d threads=%d solver=%s data=%.2fGiB draw=%.1fs train=%.2fs"
              + " train_cpu=%.2fs train_us_per_sample=%.1f cpu_us_per_sample=%.1f accuracy=%.4f (test %d) iterations=%s converged=%s"
              + " peak_heap=%.2fGiB",
          n,
          d,
          classes,
          threads,
          solver,
          (double) n * d * 4 / (1L << 30),
          drawSeconds,
          trainSeconds,
          trainCpuSeconds,
          trainSeconds * 1e6 / n,
          trainCpuSeconds * 1e6 / n,
          accuracy,
          testSize,
          Arrays.toString(iterations),
          allConverged,
          peakHeapGiB);
    }
  }

  /**
   * Generates {@code n} training and {@code testSize(n)} test samples, trains, evaluates.
   *
   * @param saveDataTo when non-null, a directory that receives {@code xtrain.npy}, {@code
   *     ytrain.npy}, {@code xtest.npy}, {@code ytest.npy} and {@code java_pred.npy}
   */
  public static Result run(int n, int d, int classes, long seed, int threads, Path saveDataTo) {
    if (n <= 0 || d <= 0 || classes < 2 || threads <= 0) {
      throw new IllegalArgumentException(
          "need n > 0, d > 0, classes >= 2, threads > 0; got n="
              + n
              + " d="
              + d
              + " classes="
              + classes
              + " threads="
              + threads);
    }
    try (HeapSampler heap = new HeapSampler()) {
      long t0 = System.nanoTime();
      Generator gen = new Generator(d, classes, seed);
      int testSize = testSize(n);
      RowBlocks xTrain = RowBlocks.allocate(n, d);
      int[] yTrain = new int[n];
      RowBlocks xTestBlocks = RowBlocks.allocate(testSize, d);
      int[] yTest = new int[testSize];
      ForkJoinPool pool = new ForkJoinPool(threads);
      try {
        gen.draw(xTrain, yTrain, 1, pool);
        gen.draw(xTestBlocks, yTest, 2, pool);
      } finally {
        pool.shutdownNow();
      }
      double drawSeconds = (System.nanoTime() - t0) / 1e9;
      float[][] xTest = rows(xTestBlocks);
      if (saveDataTo != null) {
        // A second copy of the training data, as rows, only for writing it; the sizes compared
        // with scikit-learn are small enough for that.
        save(saveDataTo, "xtrain.npy", rows(xTrain), d);
        save(saveDataTo, "ytrain.npy", yTrain);
        save(saveDataTo, "xtest.npy", xTest, d);
        save(saveDataTo, "ytest.npy", yTest);
      }
      LinearSvcTrainer trainer =
          new LinearSvcTrainer(LinearSvcParams.sklearnDefaults().withThreads(threads));
      long t1 = System.nanoTime();
      long cpu1 = processCpuNanos();
      LinearSvcModel model = trainer.train(xTrain, yTrain, classes);
      double seconds = (System.nanoTime() - t1) / 1e9;
      double cpuSeconds = (processCpuNanos() - cpu1) / 1e9;
      double peak = heap.peakGiB();
      int[] pred = model.predict(xTest);
      int ok = 0;
      for (int i = 0; i < testSize; i++) {
        ok += pred[i] == yTest[i] ? 1 : 0;
      }
      if (saveDataTo != null) {
        save(saveDataTo, "java_pred.npy", pred);
      }
      return new Result(
          n,
          d,
          classes,
          threads,
          model.solver(),
          drawSeconds,
          seconds,
          cpuSeconds,
          (double) ok / testSize,
          testSize,
          model.iterations(),
          allTrue(model.converged()),
          peak);
    }
  }

  /** CPU time of all of this process's threads, or -1e9 where the JVM cannot say. */
  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1_000_000_000L;
  }

  private static float[][] rows(RowBlocks x) {
    float[][] out = new float[x.rows()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = x.row(i);
    }
    return out;
  }

  /** Samples the heap in use every 100 ms on a daemon thread and keeps the largest value. */
  private static final class HeapSampler implements AutoCloseable {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicLong peak = new AtomicLong();
    private final Thread thread;

    HeapSampler() {
      thread =
          new Thread(
              () -> {
                while (!Thread.currentThread().isInterrupted()) {
                  sample();
                  try {
                    Thread.sleep(100);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    private void sample() {
      peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
    }

    double peakGiB() {
      sample();
      return peak.get() / (double) (1L << 30);
    }

    @Override
    public void close() {
      thread.interrupt();
    }
  }

  private static boolean allTrue(boolean[] flags) {
    for (boolean f : flags) {
      if (!f) {
        return false;
      }
    }
    return true;
  }

  /** Held-out size: a tenth of {@code n}, at least 1,000 and at most 10,000. */
  static int testSize(int n) {
    return Math.max(1000, Math.min(10_000, n / 10));
  }

  private static final class Generator {
    private final int d;
    private final int classes;
    private final long seed;
    private final double[][] basis;
    private final double[][] means;

    Generator(int d, int classes, long seed) {
      this.d = d;
      this.classes = classes;
      this.seed = seed;
      SplittableRandom rnd = new SplittableRandom(seed);
      basis = new double[RANK][d];
      double scale = 1 / Math.sqrt(RANK);
      for (double[] row : basis) {
        for (int j = 0; j < d; j++) {
          row[j] = gaussian(rnd) * scale;
        }
      }
      means = new double[classes][RANK];
      for (double[] m : means) {
        for (int r = 0; r < RANK; r++) {
          m[r] = gaussian(rnd) * SEPARATION;
        }
      }
    }

    /** Fills {@code x} and {@code y}; {@code stream} tells training (1) and test (2) data apart. */
    void draw(RowBlocks x, int[] y, int stream, ForkJoinPool pool) {
      RowChunks chunks = new RowChunks(x.rows(), DRAW_CHUNK_ROWS, pool);
      chunks.forEach(
          k -> {
            SplittableRandom rnd =
                new SplittableRandom(
                    seed * 0x9E3779B97F4A7C15L
                        + stream * 0xBF58476D1CE4E5B9L
                        + k * 0x94D049BB133111EBL);
            double[] z = new double[RANK];
            double[] row = new double[d];
            float[] out = new float[d];
            for (int i = chunks.start(k), end = chunks.end(k); i < end; i++) {
              int label = rnd.nextInt(classes);
              for (int r = 0; r < RANK; r++) {
                z[r] = means[label][r] + gaussian(rnd);
              }
              for (int j = 0; j < d; j++) {
                row[j] = NOISE * gaussian(rnd);
              }
              for (int r = 0; r < RANK; r++) {
                double zr = z[r];
                double[] b = basis[r];
                for (int j = 0; j < d; j++) {
                  row[j] += zr * b[j];
                }
              }
              for (int j = 0; j < d; j++) {
                out[j] = (float) row[j];
              }
              x.setRow(i, out);
              y[i] = label;
            }
          });
    }

    /** Box-Muller; one value per call keeps the stream simple and deterministic. */
    private static double gaussian(SplittableRandom rnd) {
      double u1 = 1.0 - rnd.nextDouble();
      double u2 = rnd.nextDouble();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
  }

  private static void save(Path dir, String name, float[][] x, int d) {
    try (OutputStream out = open(dir, name)) {
      Npy.writeFloats(out, x, d);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(name), e);
    }
  }

  private static void save(Path dir, String name, int[] y) {
    try (OutputStream out = open(dir, name)) {
      Npy.writeInts(out, y);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(name), e);
    }
  }

  private static OutputStream open(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    return new BufferedOutputStream(Files.newOutputStream(dir.resolve(name)), 1 << 20);
  }

  /** {@code SvmBenchmark n d classes [seed [threads [saveDir]]]}, for running by hand. */
  public static void main(String[] args) {
    if (args.length < 3) {
      System.err.println("usage: SvmBenchmark n d classes [seed [threads [saveDir]]]");
      System.exit(2);
    }
    int n = Integer.parseInt(args[0]);
    int d = Integer.parseInt(args[1]);
    int classes = Integer.parseInt(args[2]);
    long seed = args.length > 3 ? Long.parseLong(args[3]) : 1L;
    int threads =
        args.length > 4 ? Integer.parseInt(args[4]) : Runtime.getRuntime().availableProcessors();
    Path dir = args.length > 5 ? Path.of(args[5]) : null;
    System.out.println(run(n, d, classes, seed, threads, dir));
  }
}
