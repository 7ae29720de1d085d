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

import java.util.SplittableRandom;

/**
 * LIBLINEAR's L2R_L2LOSS_SVC_DUAL: dual coordinate descent for the L2-regularised squared-hinge SVM
 * (Hsieh, Chang, Lin, Keerthi, Sundararajan, ICML 2008), with LIBLINEAR's shrinking and a fresh
 * random permutation of the active coordinates every outer iteration.
 *
 * <p>Dual problem: {@code min_a 0.5 a'Qa - e'a, a_i >= 0}, {@code Q = YXX'Y + I/(2C)}; the primal
 * weights {@code w = sum_i a_i y_i x_i} are maintained as the coordinates move. Stopping: the
 * spread of the projected gradient over the active set, {@code max PG - min PG}, drops to {@code
 * eps} with all coordinates active, or {@code maxIter} outer iterations have run.
 */
final class DualCoordinateDescent {
  private DualCoordinateDescent() {}

  static BinaryResult solve(
      DenseProblem p, byte[] y, double c, double eps, int maxIter, long seed) {
    int l = p.n;
    double[] w = new double[p.numWeights()];
    double[] alpha = new double[l];
    double[] qd = new double[l];
    int[] index = new int[l];
    // For the squared hinge: no upper bound on alpha, and a diagonal 1/(2C) added to Q.
    double diag = 0.5 / c;
    for (int i = 0; i < l; i++) {
      qd[i] = diag + p.squaredNorm(i);
      index[i] = i;
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    double pgMaxOld = Double.POSITIVE_INFINITY;
    double pgMinOld = Double.NEGATIVE_INFINITY;
    int activeSize = l;
    int iter = 0;
    boolean converged = false;
    while (iter < maxIter) {
      double pgMaxNew = Double.NEGATIVE_INFINITY;
      double pgMinNew = Double.POSITIVE_INFINITY;
      for (int i = 0; i < activeSize; i++) {
        int j = i + rnd.nextInt(activeSize - i);
        int t = index[i];
        index[i] = index[j];
        index[j] = t;
      }
      for (int s = 0; s < activeSize; s++) {
        int i = index[s];
        int yi = y[i];
        double g = yi * p.dotRow(i, w) - 1 + alpha[i] * diag;
        double pg = 0;
        if (alpha[i] == 0) {
          if (g > pgMaxOld) {
            // Shrink: at the bound and unlikely to move.
            activeSize--;
            index[s] = index[activeSize];
            index[activeSize] = i;
            s--;
            continue;
          } else if (g < 0) {
            pg = g;
          }
        } else {
          // No finite upper bound for the squared hinge.
          pg = g;
        }
        if (pg > pgMaxNew) {
          pgMaxNew = pg;
        }
        if (pg < pgMinNew) {
          pgMinNew = pg;
        }
        if (Math.abs(pg) > 1.0e-12) {
          double old = alpha[i];
          alpha[i] = Math.max(old - g / qd[i], 0.0);
          double step = (alpha[i] - old) * yi;
          p.addRow(i, step, w);
        }
      }
      iter++;
      if (pgMaxNew - pgMinNew <= eps) {
        if (activeSize == l) {
          converged = true;
          break;
        }
        // Converged on the shrunk set: unshrink everything and check again.
        activeSize = l;
        pgMaxOld = Double.POSITIVE_INFINITY;
        pgMinOld = Double.NEGATIVE_INFINITY;
        continue;
      }
      pgMaxOld = pgMaxNew;
      pgMinOld = pgMinNew;
      if (pgMaxOld <= 0) {
        pgMaxOld = Double.POSITIVE_INFINITY;
      }
      if (pgMinOld >= 0) {
        pgMinOld = Double.NEGATIVE_INFINITY;
      }
    }
    if (p.bias == 0) {
      w[p.d] = 0;
    }
    return new BinaryResult(w, iter, converged);
  }
}
