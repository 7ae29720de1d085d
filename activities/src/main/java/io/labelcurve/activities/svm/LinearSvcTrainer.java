package io.labelcurve.activities.svm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;

/**
 * Trains a linear SVM the way scikit-learn's {@code LinearSVC} does with its defaults
 * (scikit-learn >= 1.5): L2 penalty, squared hinge, one-vs-rest over the classes present, an
 * intercept fitted as a regularised constant feature of value {@code interceptScaling}, and the
 * LIBLINEAR solver chosen by {@code dual="auto"} (dual coordinate descent when {@code n < d}, primal
 * trust-region Newton otherwise).
 *
 * <p>Labels are {@code [0, numClasses)}. Only classes present in {@code y} are trained; absent
 * classes score {@code -inf} and are never predicted. With exactly two present classes one binary
 * problem is trained (positive = the larger label), like scikit-learn. Fewer than two present
 * classes is an error, as in scikit-learn.
 *
 * <p>The binary problems train in parallel on {@code params.threads()} threads and share one
 * row-major {@code float[]} copy of {@code x}. Results do not depend on the thread count: problem
 * {@code k}'s coordinate permutations come from its own generator seeded from {@code
 * params.seed()} and {@code k}.
 */
public final class LinearSvcTrainer {
  private final LinearSvcParams params;

  public LinearSvcTrainer() {
    this(LinearSvcParams.sklearnDefaults());
  }

  public LinearSvcTrainer(LinearSvcParams params) {
    if (params == null) {
      throw new IllegalArgumentException("params must not be null");
    }
    this.params = params;
  }

  public LinearSvcParams params() {
    return params;
  }

  /** The solver {@link LinearSvcParams.Solver#AUTO} picks for {@code n} samples of {@code d} features. */
  public static LinearSvcParams.Solver autoSolver(int n, int d) {
    return n < d ? LinearSvcParams.Solver.DUAL : LinearSvcParams.Solver.PRIMAL;
  }

  /**
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
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses must be at least 2, got " + numClasses);
    }
    int n = x.length;
    if (x[0] == null || x[0].length == 0) {
      throw new IllegalArgumentException("row 0 of x has no features");
    }
    int d = x[0].length;
    if ((long) n * d > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          n + " x " + d + " features exceed one Java array; train on fewer samples");
    }
    int[] counts = new int[numClasses];
    for (int i = 0; i < n; i++) {
      if (y[i] < 0 || y[i] >= numClasses) {
        throw new IllegalArgumentException(
            "label " + y[i] + " at row " + i + " is outside [0, " + numClasses + ")");
      }
      counts[y[i]]++;
    }
    float[] flat = new float[n * d];
    for (int i = 0; i < n; i++) {
      float[] row = x[i];
      if (row == null || row.length != d) {
        throw new IllegalArgumentException(
            "row " + i + " of x has " + (row == null ? "no" : String.valueOf(row.length))
                + " features, expected " + d);
      }
      for (int j = 0; j < d; j++) {
        if (!Float.isFinite(row[j])) {
          throw new IllegalArgumentException(
              "x[" + i + "][" + j + "] is " + row[j] + "; features must be finite");
        }
      }
      System.arraycopy(row, 0, flat, i * d, d);
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
    LinearSvcParams.Solver solver =
        params.solver() == LinearSvcParams.Solver.AUTO ? autoSolver(n, d) : params.solver();
    DenseProblem problem = new DenseProblem(flat, n, d, params.interceptScaling());
    // Binary case: one problem, positive = the larger label (scikit-learn's classes_[1]).
    int[] positives = present == 2 ? new int[] {classes[1]} : classes;
    BinaryResult[] results = solveAll(problem, y, positives, solver);

    double[][] coef = new double[positives.length][];
    double[] intercept = new double[positives.length];
    int[] iterations = new int[positives.length];
    boolean[] converged = new boolean[positives.length];
    for (int k = 0; k < positives.length; k++) {
      double[] w = results[k].w();
      coef[k] = Arrays.copyOf(w, d);
      intercept[k] = params.interceptScaling() * w[d];
      iterations[k] = results[k].iterations();
      converged[k] = results[k].converged();
    }
    return new LinearSvcModel(
        numClasses, d, solver == LinearSvcParams.Solver.DUAL ? "dual" : "primal", classes, coef,
        intercept, iterations, converged);
  }

  private BinaryResult[] solveAll(
      DenseProblem problem, int[] y, int[] positives, LinearSvcParams.Solver solver) {
    int k = positives.length;
    BinaryResult[] out = new BinaryResult[k];
    int threads = Math.min(params.threads(), k);
    if (threads == 1) {
      for (int i = 0; i < k; i++) {
        out[i] = solveOne(problem, y, positives[i], i, solver);
      }
      return out;
    }
    ForkJoinPool pool = new ForkJoinPool(threads);
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
    } finally {
      pool.shutdownNow();
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
