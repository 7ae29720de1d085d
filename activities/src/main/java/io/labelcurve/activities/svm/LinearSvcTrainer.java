package io.labelcurve.activities.svm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;

/**
 * Trains a linear SVM the way scikit-learn's {@code LinearSVC} does with its defaults (scikit-learn
 * >= 1.5): L2 penalty, squared hinge, one-vs-rest over the classes present, an intercept fitted as
 * a regularised constant feature of value {@code interceptScaling}, and the LIBLINEAR solver chosen
 * by {@code dual="auto"} (dual coordinate descent when {@code n < d}, primal trust-region Newton
 * otherwise).
 *
 * <p>Labels are {@code [0, numClasses)}. Only classes present in {@code y} are trained; absent
 * classes score {@code -inf} and are never predicted. With exactly two present classes one binary
 * problem is trained (positive = the larger label), like scikit-learn. Fewer than two present
 * classes is an error, as in scikit-learn.
 *
 * <p>Threads ({@code params.threads()}, one pool per {@code train} call): the binary problems train
 * at once, and inside each primal problem every pass over the rows (loss, gradient, Hessian-vector
 * product) is spread over the same threads in fixed chunks of rows ({@link RowChunks}). The samples
 * are read in place from a {@link RowBlocks} matrix, never copied, so {@code n × d} may exceed one
 * Java array (the whole 2.9 M × 768 pool). Results do not depend on the thread count, bit for bit:
 * chunk sums are added in chunk order, and problem {@code k}'s dual coordinate permutations come
 * from its own generator seeded from {@code params.seed()} and {@code k}.
 */
public final class LinearSvcTrainer {
  private final LinearSvcParams params;
  private final int chunkRows;

  public LinearSvcTrainer() {
    this(LinearSvcParams.sklearnDefaults());
  }

  public LinearSvcTrainer(LinearSvcParams params) {
    this(params, RowChunks.DEFAULT_CHUNK_ROWS);
  }

  /** With another chunk size, so that tests can cut small data sets into many chunks. */
  LinearSvcTrainer(LinearSvcParams params, int chunkRows) {
    if (params == null) {
      throw new IllegalArgumentException("params must not be null");
    }
    if (chunkRows <= 0) {
      throw new IllegalArgumentException("chunkRows must be positive, got " + chunkRows);
    }
    this.params = params;
    this.chunkRows = chunkRows;
  }

  public LinearSvcParams params() {
    return params;
  }

  /**
   * The solver {@link LinearSvcParams.Solver#AUTO} picks for {@code n} samples of {@code d}
   * features.
   */
  public static LinearSvcParams.Solver autoSolver(int n, int d) {
    return n < d ? LinearSvcParams.Solver.DUAL : LinearSvcParams.Solver.PRIMAL;
  }

  /**
   * Trains on the rows of {@code x} in place (wrapped, not copied: see {@link RowBlocks#wrap}).
   *
   * @param x {@code n} samples of {@code d} features each
   * @param y labels in {@code [0, numClasses)}
   * @throws IllegalArgumentException on empty or ragged input, mismatched lengths, non-finite
   *     features, labels out of range, or fewer than two classes present
   */
  public LinearSvcModel train(float[][] x, int[] y, int numClasses) {
    if (x == null || y == null) {
      throw new IllegalArgumentException("x and y must not be null");
    }
    if (x.length == 0) {
      throw new IllegalArgumentException("cannot train on an empty data set (x has 0 rows)");
    }
    if (x.length != y.length) {
      throw new IllegalArgumentException(
          "x has " + x.length + " rows but y has " + y.length + " labels");
    }
    return train(RowBlocks.wrap(x), y, numClasses);
  }

  /**
   * @param x {@code n} samples of {@code d} features each
   * @param y labels in {@code [0, numClasses)}
   * @throws IllegalArgumentException on mismatched lengths, non-finite features, labels out of
   *     range, or fewer than two classes present
   */
  public LinearSvcModel train(RowBlocks x, int[] y, int numClasses) {
    if (x == null || y == null) {
      throw new IllegalArgumentException("x and y must not be null");
    }
    int n = x.rows();
    int d = x.cols();
    if (n != y.length) {
      throw new IllegalArgumentException("x has " + n + " rows but y has " + y.length + " labels");
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses must be at least 2, got " + numClasses);
    }
    int[] classes = presentClasses(y, numClasses);
    ForkJoinPool pool = params.threads() > 1 ? new ForkJoinPool(params.threads()) : null;
    try {
      RowChunks chunks = new RowChunks(n, chunkRows, pool);
      requireFinite(x, chunks);
      LinearSvcParams.Solver solver =
          params.solver() == LinearSvcParams.Solver.AUTO ? autoSolver(n, d) : params.solver();
      DenseProblem problem = new DenseProblem(x, params.interceptScaling(), chunks);
      // Binary case: one problem, positive = the larger label (scikit-learn's classes_[1]).
      int[] positives = classes.length == 2 ? new int[] {classes[1]} : classes;
      BinaryResult[] results = solveAll(problem, y, positives, solver, pool);
      return model(numClasses, d, solver, classes, results);
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  /** The labels present in {@code y}, increasing; at least two. */
  private static int[] presentClasses(int[] y, int numClasses) {
    int[] counts = new int[numClasses];
    for (int i = 0; i < y.length; i++) {
      if (y[i] < 0 || y[i] >= numClasses) {
        throw new IllegalArgumentException(
            "label " + y[i] + " at row " + i + " is outside [0, " + numClasses + ")");
      }
      counts[y[i]]++;
    }
    int present = 0;
    for (int c : counts) {
      if (c > 0) {
        present++;
      }
    }
    if (present < 2) {
      throw new IllegalArgumentException(
          "the labels contain only " + present + " class; a classifier needs at least 2");
    }
    int[] classes = new int[present];
    for (int k = 0, j = 0; k < numClasses; k++) {
      if (counts[k] > 0) {
        classes[j++] = k;
      }
    }
    return classes;
  }

  /** Fails on the first non-finite feature in row order, naming it, before any training. */
  private static void requireFinite(RowBlocks x, RowChunks chunks) {
    long[] firstBad = new long[chunks.count];
    Arrays.fill(firstBad, -1);
    int d = x.cols();
    chunks.forEach(
        k -> {
          for (int i = chunks.start(k), end = chunks.end(k); i < end && firstBad[k] < 0; i++) {
            float[] block = x.blockOf(i);
            int off = x.offsetOf(i);
            for (int j = 0; j < d; j++) {
              if (!Float.isFinite(block[off + j])) {
                firstBad[k] = (long) i * d + j;
                break;
              }
            }
          }
        });
    for (long bad : firstBad) {
      if (bad >= 0) {
        int i = (int) (bad / d);
        int j = (int) (bad % d);
        throw new IllegalArgumentException(
            "x[" + i + "][" + j + "] is " + x.get(i, j) + "; features must be finite");
      }
    }
  }

  private LinearSvcModel model(
      int numClasses, int d, LinearSvcParams.Solver solver, int[] classes, BinaryResult[] results) {
    int k = results.length;
    double[][] coef = new double[k][];
    double[] intercept = new double[k];
    int[] iterations = new int[k];
    boolean[] converged = new boolean[k];
    for (int i = 0; i < k; i++) {
      double[] w = results[i].w();
      coef[i] = Arrays.copyOf(w, d);
      intercept[i] = params.interceptScaling() * w[d];
      iterations[i] = results[i].iterations();
      converged[i] = results[i].converged();
    }
    return new LinearSvcModel(
        numClasses,
        d,
        solver == LinearSvcParams.Solver.DUAL ? "dual" : "primal",
        classes,
        coef,
        intercept,
        iterations,
        converged);
  }

  private BinaryResult[] solveAll(
      DenseProblem problem,
      int[] y,
      int[] positives,
      LinearSvcParams.Solver solver,
      ForkJoinPool pool) {
    int k = positives.length;
    BinaryResult[] out = new BinaryResult[k];
    if (pool == null) {
      for (int i = 0; i < k; i++) {
        out[i] = solveOne(problem, y, positives[i], i, solver);
      }
      return out;
    }
    try {
      List<Future<BinaryResult>> futures = new ArrayList<>(k);
      for (int i = 0; i < k; i++) {
        int index = i;
        futures.add(pool.submit(() -> solveOne(problem, y, positives[index], index, solver)));
      }
      for (int i = 0; i < k; i++) {
        out[i] = futures.get(i).get();
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while training the SVM", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }

  private BinaryResult solveOne(
      DenseProblem problem, int[] y, int positive, int index, LinearSvcParams.Solver solver) {
    byte[] signs = new byte[problem.n];
    for (int i = 0; i < problem.n; i++) {
      signs[i] = (byte) (y[i] == positive ? 1 : -1);
    }
    if (solver == LinearSvcParams.Solver.DUAL) {
      long seed = params.seed() + 0x9E3779B97F4A7C15L * (index + 1);
      return DualCoordinateDescent.solve(
          problem, signs, params.c(), params.tol(), params.maxIter(), seed);
    }
    return TrustRegionNewton.solve(problem, signs, params.c(), params.tol(), params.maxIter());
  }
}
