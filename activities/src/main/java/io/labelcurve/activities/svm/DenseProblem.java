package io.labelcurve.activities.svm;

/**
 * The training matrix shared by all one-vs-rest problems, read in place from its {@link RowBlocks}
 * (never copied), plus the constant bias feature, which is not stored (its value is {@link #bias},
 * weight index {@code d}), and the row chunks the primal solver spreads over the threads. Also
 * holds the dense kernels the solvers' hot loops use.
 */
final class DenseProblem {
  final RowBlocks x;
  final int n;
  final int d;

  /** Value of the appended constant feature; 0 means no intercept. */
  final double bias;

  final RowChunks chunks;

  DenseProblem(RowBlocks x, double bias, RowChunks chunks) {
    this.x = x;
    this.n = x.rows();
    this.d = x.cols();
    this.bias = bias;
    this.chunks = chunks;
  }

  /**
   * Number of weights including the bias weight (always {@code d + 1}; the last is 0 when unused).
   */
  int numWeights() {
    return d + 1;
  }

  /** {@code w · x_i + bias * w[d]}. */
  double dotRow(int i, double[] w) {
    return dot(x.blockOf(i), x.offsetOf(i), w, d) + bias * w[d];
  }

  /** {@code w += a * x_i}, bias feature included. */
  void addRow(int i, double a, double[] w) {
    axpy(a, x.blockOf(i), x.offsetOf(i), w, d);
    w[d] += a * bias;
  }

  /** {@code ||x_i||^2}, bias feature included. */
  double squaredNorm(int i) {
    float[] row = x.blockOf(i);
    int off = x.offsetOf(i);
    double s = 0;
    for (int j = 0; j < d; j++) {
      double v = row[off + j];
      s += v * v;
    }
    return s + bias * bias;
  }

  /** {@code sum_j x[off + j] * w[j]} for {@code j < len}, four independent double accumulators. */
  static double dot(float[] x, int off, double[] w, int len) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int j = 0;
    int end = len - 3;
    for (; j < end; j += 4) {
      s0 += x[off + j] * w[j];
      s1 += x[off + j + 1] * w[j + 1];
      s2 += x[off + j + 2] * w[j + 2];
      s3 += x[off + j + 3] * w[j + 3];
    }
    for (; j < len; j++) {
      s0 += x[off + j] * w[j];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** {@code w[j] += a * x[off + j]} for {@code j < len}. */
  static void axpy(double a, float[] x, int off, double[] w, int len) {
    for (int j = 0; j < len; j++) {
      w[j] += a * x[off + j];
    }
  }

  static double dot(double[] a, double[] b) {
    double s0 = 0;
    double s1 = 0;
    int j = 0;
    int end = a.length - 1;
    for (; j < end; j += 2) {
      s0 += a[j] * b[j];
      s1 += a[j + 1] * b[j + 1];
    }
    for (; j < a.length; j++) {
      s0 += a[j] * b[j];
    }
    return s0 + s1;
  }

  static double norm(double[] a) {
    return Math.sqrt(dot(a, a));
  }
}
