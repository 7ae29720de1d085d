package io.labelcurve.activities.svm;

import io.labelcurve.activities.npy.Npy;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times {@link LinearSvcTrainer} (scikit-learn defaults, {@code dual="auto"}) on synthetic
 * embedding-like data: overlapping Gaussian class clusters in a random low-rank subspace plus
 * isotropic noise, the generator of {@code src/test/python/make_svm_fixture.py}. Optionally writes
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

  private SvmBenchmark() {}

  /**
   * @param n training samples
   * @param d solver's dimension
   * @param trainSeconds wall seconds of {@link LinearSvcTrainer#train} alone
   * @param accuracy on the held-out set of {@code testSize} samples
   */
  public record Result(
      int n, int d, int classes, int threads, String solver, double trainSeconds, double accuracy,
      int testSize, int[] iterations, boolean allConverged) {
    @Override
    public String toString() {
      return String.format(
          "svm n=%d d=%d classes=%d threads=%d solver=%s train=%.2fs accuracy=%.4f (test %d)"
              + " iterations=%s converged=%s",
          n, d, classes, threads, solver, trainSeconds, accuracy, testSize,
          Arrays.toString(iterations), allConverged);
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
          "need n > 0, d > 0, classes >= 2, threads > 0; got n=" + n + " d=" + d + " classes="
              + classes + " threads=" + threads);
    }
    Generator gen = new Generator(d, classes, seed);
    int testSize = testSize(n);
    float[][] xTrain = new float[n][];
    int[] yTrain = new int[n];
    gen.draw(xTrain, yTrain);
    float[][] xTest = new float[testSize][];
    int[] yTest = new int[testSize];
    gen.draw(xTest, yTest);
    if (saveDataTo != null) {
      save(saveDataTo, "xtrain.npy", xTrain, d);
      save(saveDataTo, "ytrain.npy", yTrain);
      save(saveDataTo, "xtest.npy", xTest, d);
      save(saveDataTo, "ytest.npy", yTest);
    }
    LinearSvcTrainer trainer =
        new LinearSvcTrainer(LinearSvcParams.sklearnDefaults().withThreads(threads));
    long t0 = System.nanoTime();
    LinearSvcModel model = trainer.train(xTrain, yTrain, classes);
    double seconds = (System.nanoTime() - t0) / 1e9;
    int[] pred = model.predict(xTest);
    int ok = 0;
    for (int i = 0; i < testSize; i++) {
      ok += pred[i] == yTest[i] ? 1 : 0;
    }
    if (saveDataTo != null) {
      save(saveDataTo, "java_pred.npy", pred);
    }
    return new Result(
        n, d, classes, threads, model.solver(), seconds, (double) ok / testSize, testSize,
        model.iterations(), allTrue(model.converged()));
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
    private final double[][] basis;
    private final double[][] means;
    private final SplittableRandom rnd;

    Generator(int d, int classes, long seed) {
      this.d = d;
      this.classes = classes;
      this.rnd = new SplittableRandom(seed);
      basis = new double[RANK][d];
      double scale = 1 / Math.sqrt(RANK);
      for (double[] row : basis) {
        for (int j = 0; j < d; j++) {
          row[j] = gaussian() * scale;
        }
      }
      means = new double[classes][RANK];
      for (double[] m : means) {
        for (int r = 0; r < RANK; r++) {
          m[r] = gaussian() * SEPARATION;
        }
      }
    }

    void draw(float[][] x, int[] y) {
      double[] z = new double[RANK];
      double[] row = new double[d];
      for (int i = 0; i < x.length; i++) {
        int label = rnd.nextInt(classes);
        for (int r = 0; r < RANK; r++) {
          z[r] = means[label][r] + gaussian();
        }
        for (int j = 0; j < d; j++) {
          row[j] = NOISE * gaussian();
        }
        for (int r = 0; r < RANK; r++) {
          double zr = z[r];
          double[] b = basis[r];
          for (int j = 0; j < d; j++) {
            row[j] += zr * b[j];
          }
        }
        float[] out = new float[d];
        for (int j = 0; j < d; j++) {
          out[j] = (float) row[j];
        }
        x[i] = out;
        y[i] = label;
      }
    }

    /** Box-Muller; one value per call keeps the stream simple and deterministic. */
    private double gaussian() {
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
    int threads = args.length > 4 ? Integer.parseInt(args[4])
        : Runtime.getRuntime().availableProcessors();
    Path dir = args.length > 5 ? Path.of(args[5]) : null;
    System.out.println(run(n, d, classes, seed, threads, dir));
  }
}
