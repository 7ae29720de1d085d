package io.labelcurve.activities.svm;

/**
 * Hyper-parameters of {@link LinearSvcTrainer}, named after scikit-learn's {@code LinearSVC}
 * (penalty="l2", loss="squared_hinge", multi_class="ovr").
 *
 * @param c regularisation constant {@code C} (> 0)
 * @param tol stopping tolerance, passed to the solvers as LIBLINEAR's {@code eps} (> 0)
 * @param maxIter cap on outer iterations of either solver (> 0)
 * @param interceptScaling value of the constant feature appended to every sample; its weight is
 *     regularised like every other weight, as in LIBLINEAR. {@code 0} fits no intercept
 *     (scikit-learn's {@code fit_intercept=False}).
 * @param solver which LIBLINEAR solver to use; {@link Solver#AUTO} mirrors scikit-learn >= 1.5
 *     {@code dual="auto"}
 * @param threads threads of one {@code train} call (> 0): the one-vs-rest problems train at once,
 *     and each primal problem's passes over the rows are spread over them; the model does not
 *     depend on this number
 * @param seed seed of the dual solver's coordinate permutations
 */
public record LinearSvcParams(
    double c,
    double tol,
    int maxIter,
    double interceptScaling,
    Solver solver,
    int threads,
    long seed) {

  /** Seed used by {@link #sklearnDefaults()}. */
  public static final long DEFAULT_SEED = 42L;

  /** The LIBLINEAR solver. */
  public enum Solver {
    /** Dual when {@code n_samples < n_features}, primal otherwise (scikit-learn >= 1.5). */
    AUTO,
    /** L2R_L2LOSS_SVC_DUAL: dual coordinate descent with shrinking. */
    DUAL,
    /** L2R_L2LOSS_SVC: primal trust-region Newton with conjugate gradient. */
    PRIMAL
  }

  public LinearSvcParams {
    if (!(c > 0) || Double.isInfinite(c)) {
      throw new IllegalArgumentException("C must be a positive finite number, got " + c);
    }
    if (!(tol > 0) || Double.isInfinite(tol)) {
      throw new IllegalArgumentException("tol must be a positive finite number, got " + tol);
    }
    if (maxIter <= 0) {
      throw new IllegalArgumentException("maxIter must be positive, got " + maxIter);
    }
    if (!(interceptScaling >= 0) || Double.isInfinite(interceptScaling)) {
      throw new IllegalArgumentException(
          "interceptScaling must be >= 0 (0 = no intercept), got " + interceptScaling);
    }
    if (solver == null) {
      throw new IllegalArgumentException("solver must not be null");
    }
    if (threads <= 0) {
      throw new IllegalArgumentException("threads must be positive, got " + threads);
    }
  }

  /** C=1, tol=1e-4, max_iter=1000, intercept_scaling=1, dual="auto", all processors. */
  public static LinearSvcParams sklearnDefaults() {
    return new LinearSvcParams(
        1.0,
        1e-4,
        1000,
        1.0,
        Solver.AUTO,
        Runtime.getRuntime().availableProcessors(),
        DEFAULT_SEED);
  }

  /**
   * How a result's provenance names these parameters, in scikit-learn's words: {@code
   * LinearSVC(C=1, squared hinge, L2, tol=1e-4, max_iter=1000, solver=dual)} for the defaults. The
   * intercept scaling is named only when it is not scikit-learn's 1; threads and seed are left out
   * (the model does not depend on the threads, and the seed only orders the dual's passes).
   *
   * @param solverUsed the solver that ran ({@link Solver#AUTO} resolved), as the model names it
   */
  public String describe(String solverUsed) {
    return "LinearSVC(C="
        + compact(c)
        + ", squared hinge, L2, tol="
        + compact(tol)
        + ", max_iter="
        + maxIter
        + (interceptScaling == 1.0 ? "" : ", intercept_scaling=" + compact(interceptScaling))
        + ", solver="
        + solverUsed
        + ")";
  }

  /**
   * {@code 1}, {@code 0.5}, {@code 1e-4}: the shortest exact form, as scikit-learn's docs write.
   */
  private static String compact(double v) {
    java.math.BigDecimal d = java.math.BigDecimal.valueOf(v).stripTrailingZeros();
    double a = Math.abs(v);
    if (a == 0 || (a >= 1e-3 && a < 1e7)) {
      return d.toPlainString();
    }
    int exponent = d.precision() - d.scale() - 1;
    return d.movePointLeft(exponent).toPlainString() + "e" + exponent;
  }

  public LinearSvcParams withSolver(Solver s) {
    return new LinearSvcParams(c, tol, maxIter, interceptScaling, s, threads, seed);
  }

  public LinearSvcParams withThreads(int t) {
    return new LinearSvcParams(c, tol, maxIter, interceptScaling, solver, t, seed);
  }

  public LinearSvcParams withSeed(long s) {
    return new LinearSvcParams(c, tol, maxIter, interceptScaling, solver, threads, s);
  }
}
