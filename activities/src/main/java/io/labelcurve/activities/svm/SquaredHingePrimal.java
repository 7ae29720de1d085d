/*
 * Java re-implementation following the algorithms of LIBLINEAR, written for labelcurve; it
 * contains no LIBLINEAR source code. LIBLINEAR's licence (also in
 * META-INF/LICENSE-LIBLINEAR.txt):
 *
 * Copyright (c) 2007-2023 The LIBLINEAR Project.
 * All rights reserved.
 *
 * Redistribution and use in source and binary forms, with or without modification, are permitted
 * provided that the following conditions are met:
 *
 * 1. Redistributions of source code must retain the above copyright notice, this list of
 * conditions and the following disclaimer.
 *
 * 2. Redistributions in binary form must reproduce the above copyright notice, this list of
 * conditions and the following disclaimer in the documentation and/or other materials provided
 * with the distribution.
 *
 * 3. Neither name of copyright holders nor the names of its contributors may be used to endorse
 * or promote products derived from this software without specific prior written permission.
 *
 * THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS ``AS IS'' AND ANY EXPRESS OR
 * IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND
 * FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE REGENTS OR CONTRIBUTORS BE
 * LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
 * (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA,
 * OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
 * CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF
 * THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
 */
package io.labelcurve.activities.svm;

import java.util.Arrays;

/**
 * LIBLINEAR's L2R_L2LOSS_SVC objective for the trust-region Newton solver:
 *
 * <pre>
 *   f(w) = 0.5 w'w + C sum_i max(0, 1 - y_i w'x_i)^2
 *   g(w) = w + 2C sum_{i in I} (y_i w'x_i - 1) y_i x_i,      I = { i : y_i w'x_i < 1 }
 *   H v  = v + 2C sum_{i in I} x_i (x_i'v)                  (generalised Hessian)
 * </pre>
 *
 * As in LIBLINEAR, {@link #gradient} must follow {@link #value} at the same {@code w}: it reuses
 * the margins and fixes the active set {@code I} that {@link #hessianTimes} then uses (a rejected
 * trust-region step calls {@link #value} again without moving {@code I}).
 *
 * <p>Each pass over the rows runs chunk by chunk ({@link RowChunks}) on the trainer's threads: a
 * chunk sums its rows in row order into its own partial, and the partials are added in chunk order,
 * so the result does not depend on the thread count.
 */
final class SquaredHingePrimal {
  private final DenseProblem p;
  private final byte[] y;
  private final double c;

  /** Margins {@code y_i w'x_i} of the last {@link #value} call. */
  private final double[] z;

  /** The active set {@code I} of the last {@link #gradient} call. */
  private final boolean[] active;

  /** One loss partial per chunk. */
  private final double[] lossPartials;

  /** One weight-sized partial per chunk (gradient and Hessian-vector sums). */
  private final double[][] vectorPartials;

  SquaredHingePrimal(DenseProblem p, byte[] y, double c) {
    this.p = p;
    this.y = y;
    this.c = c;
    this.z = new double[p.n];
    this.active = new boolean[p.n];
    this.lossPartials = new double[p.chunks.count];
    this.vectorPartials = new double[p.chunks.count][p.numWeights()];
  }

  int numVariables() {
    return p.numWeights();
  }

  double value(double[] w) {
    RowChunks chunks = p.chunks;
    chunks.forEach(
        k -> {
          double f = 0;
          for (int i = chunks.start(k), end = chunks.end(k); i < end; i++) {
            double zi = y[i] * p.dotRow(i, w);
            z[i] = zi;
            double d = 1 - zi;
            if (d > 0) {
              f += c * d * d;
            }
          }
          lossPartials[k] = f;
        });
    double f = 0;
    for (double part : lossPartials) {
      f += part;
    }
    return f + 0.5 * DenseProblem.dot(w, w);
  }

  void gradient(double[] w, double[] g) {
    RowChunks chunks = p.chunks;
    chunks.forEach(
        k -> {
          double[] part = vectorPartials[k];
          Arrays.fill(part, 0);
          for (int i = chunks.start(k), end = chunks.end(k); i < end; i++) {
            boolean in = z[i] < 1;
            active[i] = in;
            if (in) {
              p.addRow(i, 2 * c * y[i] * (z[i] - 1), part);
            }
          }
        });
    addPartials(w, g);
  }

  /** {@code hs = H s}: one pass over the active rows, each row's dot and update fused. */
  void hessianTimes(double[] s, double[] hs) {
    RowChunks chunks = p.chunks;
    double twoC = 2 * c;
    chunks.forEach(
        k -> {
          double[] part = vectorPartials[k];
          Arrays.fill(part, 0);
          for (int i = chunks.start(k), end = chunks.end(k); i < end; i++) {
            if (active[i]) {
              p.addRow(i, twoC * p.dotRow(i, s), part);
            }
          }
        });
    addPartials(s, hs);
  }

  /** {@code out = base + sum of the chunk partials}, added in chunk order. */
  private void addPartials(double[] base, double[] out) {
    System.arraycopy(base, 0, out, 0, out.length);
    for (double[] part : vectorPartials) {
      for (int j = 0; j < out.length; j++) {
        out[j] += part[j];
      }
    }
  }
}
