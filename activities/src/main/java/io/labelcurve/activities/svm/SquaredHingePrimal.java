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

/**
 * LIBLINEAR's L2R_L2LOSS_SVC objective for the trust-region Newton solver:
 *
 * <pre>
 *   f(w) = 0.5 w'w + C sum_i max(0, 1 - y_i w'x_i)^2
 *   g(w) = w + 2C sum_{i in I} (y_i w'x_i - 1) y_i x_i,      I = { i : y_i w'x_i < 1 }
 *   H v  = v + 2C sum_{i in I} x_i (x_i'v)                  (generalised Hessian)
 * </pre>
 *
 * As in LIBLINEAR, {@link #gradient} must follow {@link #value} at the same {@code w}: it reuses the
 * margins and fixes the active set {@code I} that {@link #hessianTimes} then uses.
 */
final class SquaredHingePrimal {
  private final DenseProblem p;
  private final byte[] y;
  private final double c;
  /** Margins {@code y_i w'x_i} of the last {@link #value} call. */
  private final double[] z;
  private final int[] active;
  /** {@code C y_i (z_i - 1)} for the active samples, in the order of {@link #active}. */
  private final double[] coef;
  private int sizeI;

  SquaredHingePrimal(DenseProblem p, byte[] y, double c) {
    this.p = p;
    this.y = y;
    this.c = c;
    this.z = new double[p.n];
    this.active = new int[p.n];
    this.coef = new double[p.n];
  }

  int numVariables() {
    return p.numWeights();
  }

  double value(double[] w) {
    double f = 0;
    for (int i = 0; i < p.n; i++) {
      double zi = y[i] * p.dotRow(i, w);
      z[i] = zi;
      double d = 1 - zi;
      if (d > 0) {
        f += c * d * d;
      }
    }
    return f + 0.5 * DenseProblem.dot(w, w);
  }

  void gradient(double[] w, double[] g) {
    sizeI = 0;
    for (int i = 0; i < p.n; i++) {
      if (z[i] < 1) {
        active[sizeI] = i;
        coef[sizeI] = c * y[i] * (z[i] - 1);
        sizeI++;
      }
    }
    System.arraycopy(w, 0, g, 0, g.length);
    for (int k = 0; k < sizeI; k++) {
      p.addRow(active[k], 2 * coef[k], g);
    }
  }

  /** {@code hs = H s}: one pass over the active rows, each row's dot and update fused. */
  void hessianTimes(double[] s, double[] hs) {
    System.arraycopy(s, 0, hs, 0, hs.length);
    double twoC = 2 * c;
    for (int k = 0; k < sizeI; k++) {
      int i = active[k];
      double xs = p.dotRow(i, s);
      p.addRow(i, twoC * xs, hs);
    }
  }
}
