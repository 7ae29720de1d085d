package io.labelcurve.activities.svm;

import java.util.Arrays;

/**
 * A trained one-vs-rest linear SVM over labels {@code [0, numClasses)}.
 *
 * <p>Scores follow scikit-learn's {@code LinearSVC} over the classes present in the training
 * labels: with three or more present classes, class {@code k} scores {@code w_k . x + b_k}; with
 * exactly two present classes there is one binary classifier {@code f} (positive = the larger
 * label) and the larger label scores {@code f(x)}, the smaller {@code -f(x)}, so the argmax is
 * scikit-learn's {@code f(x) > 0} rule (a tie goes to the smaller label, as in scikit-learn).
 * Classes absent from the training labels score {@link Double#NEGATIVE_INFINITY} and are never
 * predicted. Ties go to the smallest label, like numpy's argmax.
 */
public final class LinearSvcModel {
  private final int numClasses;
  private final int dim;
  private final String solver;

  /** Present labels in increasing order. */
  private final int[] classes;

  /** One row per binary problem: one (binary case) or one per present class. */
  private final double[][] coef;

  private final double[] intercept;
  private final int[] iterations;
  private final boolean[] converged;

  LinearSvcModel(
      int numClasses,
      int dim,
      String solver,
      int[] classes,
      double[][] coef,
      double[] intercept,
      int[] iterations,
      boolean[] converged) {
    this.numClasses = numClasses;
    this.dim = dim;
    this.solver = solver;
    this.classes = classes;
    this.coef = coef;
    this.intercept = intercept;
    this.iterations = iterations;
    this.converged = converged;
  }

  public int numClasses() {
    return numClasses;
  }

  public int dim() {
    return dim;
  }

  /** {@code "dual"} (L2R_L2LOSS_SVC_DUAL) or {@code "primal"} (L2R_L2LOSS_SVC). */
  public String solver() {
    return solver;
  }

  /** Outer iterations of each binary problem (scikit-learn's {@code n_iter_} is their maximum). */
  public int[] iterations() {
    return iterations.clone();
  }

  /** Whether each binary problem met its tolerance before {@code maxIter}. */
  public boolean[] converged() {
    return converged.clone();
  }

  /** The labels seen in training, increasing (scikit-learn's {@code classes_}). */
  public int[] classes() {
    return classes.clone();
  }

  /** scikit-learn's {@code coef_}: one row when two classes are present, else one per class. */
  public double[][] coef() {
    double[][] out = new double[coef.length][];
    for (int k = 0; k < coef.length; k++) {
      out[k] = coef[k].clone();
    }
    return out;
  }

  /** scikit-learn's {@code intercept_}. */
  public double[] intercept() {
    return intercept.clone();
  }

  /** Scores for every label in {@code [0, numClasses)} (see the class comment). */
  public double[] scores(float[] x) {
    double[] out = new double[numClasses];
    scoresInto(x, out);
    return out;
  }

  private void scoresInto(float[] x, double[] out) {
    if (x == null || x.length != dim) {
      throw new IllegalArgumentException(
          "expected a feature vector of length "
              + dim
              + ", got "
              + (x == null ? "null" : String.valueOf(x.length)));
    }
    Arrays.fill(out, Double.NEGATIVE_INFINITY);
    if (coef.length == 1) {
      double f = DenseProblem.dot(x, 0, coef[0], dim) + intercept[0];
      out[classes[0]] = -f;
      out[classes[1]] = f;
    } else {
      for (int k = 0; k < coef.length; k++) {
        out[classes[k]] = DenseProblem.dot(x, 0, coef[k], dim) + intercept[k];
      }
    }
  }

  public int predict(float[] x) {
    return argmax(scores(x));
  }

  public int[] predict(float[][] x) {
    int[] out = new int[x.length];
    double[] buf = new double[numClasses];
    for (int i = 0; i < x.length; i++) {
      scoresInto(x[i], buf);
      out[i] = argmax(buf);
    }
    return out;
  }

  /** {@code scores(x[i])} for every row: {@code x.length × numClasses}. */
  public double[][] decisionFunction(float[][] x) {
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      out[i] = scores(x[i]);
    }
    return out;
  }

  /**
   * Index of the highest score; the lowest index among equal scores (scikit-learn's predict). The
   * evaluation's {@code Evaluator.argmax} is this one, so that a cell's predictions and its
   * accuracy agree on ties.
   */
  public static int argmax(double[] s) {
    int best = 0;
    for (int k = 1; k < s.length; k++) {
      if (s[k] > s[best]) {
        best = k;
      }
    }
    return best;
  }
}
