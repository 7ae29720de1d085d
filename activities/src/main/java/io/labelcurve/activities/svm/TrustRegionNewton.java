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
 * Trust-region Newton method with conjugate gradient (Lin, Weng, Keerthi, JMLR 2008), following
 * LIBLINEAR's TRON as scikit-learn's bundled LIBLINEAR runs it: start at {@code w = 0}, stop when
 * {@code ||g(w)|| <= eps ||g(0)||} or after {@code maxIter} accepted Newton steps; each step solves
 * {@code H s = -g} approximately by CG inside the trust region, to a residual of {@code 0.1 ||g||}.
 * The trust-region radius update is the one in scikit-learn's copy of TRON, which lacks newer
 * LIBLINEAR's extra enlargement when CG stops on the boundary.
 */
final class TrustRegionNewton {
  private static final double ETA0 = 1e-4;
  private static final double ETA1 = 0.25;
  private static final double ETA2 = 0.75;
  private static final double SIGMA1 = 0.25;
  private static final double SIGMA2 = 0.5;
  private static final double SIGMA3 = 4.0;
  private static final double CG_RELATIVE_TOL = 0.1;

  private TrustRegionNewton() {}

  /**
   * The binary L2R_L2LOSS_SVC problem with LIBLINEAR's tolerance: {@code eps * max(min(#pos, #neg),
   * 1) / l}.
   */
  static BinaryResult solve(DenseProblem p, byte[] y, double c, double eps, int maxIter) {
    int pos = 0;
    for (byte v : y) {
      if (v > 0) {
        pos++;
      }
    }
    int neg = p.n - pos;
    double primalTol = eps * Math.max(Math.min(pos, neg), 1) / p.n;
    SquaredHingePrimal fun = new SquaredHingePrimal(p, y, c);
    BinaryResult r = minimise(fun, primalTol, maxIter);
    if (p.bias == 0) {
      r.w()[p.d] = 0;
    }
    return r;
  }

  static BinaryResult minimise(SquaredHingePrimal fun, double eps, int maxIter) {
    int n = fun.numVariables();
    double[] w = new double[n];
    double[] wNew = new double[n];
    double[] g = new double[n];
    double[] s = new double[n];
    double[] r = new double[n];
    double[] d = new double[n];
    double[] hd = new double[n];

    double f = fun.value(w);
    fun.gradient(w, g);
    double delta = DenseProblem.norm(g);
    double gnorm0 = delta;
    double gnorm = gnorm0;
    boolean converged = gnorm <= eps * gnorm0;
    int iter = 1;
    while (iter <= maxIter && !converged) {
      conjugateGradient(fun, delta, g, s, r, d, hd);
      for (int j = 0; j < n; j++) {
        wNew[j] = w[j] + s[j];
      }
      double gs = DenseProblem.dot(g, s);
      double prered = -0.5 * (gs - DenseProblem.dot(s, r));
      double fNew = fun.value(wNew);
      double actred = f - fNew;
      double snorm = DenseProblem.norm(s);
      if (iter == 1) {
        delta = Math.min(delta, snorm);
      }
      // Step-size estimate from a quadratic interpolation along s.
      double alpha;
      if (fNew - f - gs <= 0) {
        alpha = SIGMA3;
      } else {
        alpha = Math.max(SIGMA1, -0.5 * (gs / (fNew - f - gs)));
      }
      if (actred < ETA0 * prered) {
        delta = Math.min(Math.max(alpha, SIGMA1) * snorm, SIGMA2 * delta);
      } else if (actred < ETA1 * prered) {
        delta = Math.max(SIGMA1 * delta, Math.min(alpha * snorm, SIGMA2 * delta));
      } else if (actred < ETA2 * prered) {
        delta = Math.max(SIGMA1 * delta, Math.min(alpha * snorm, SIGMA3 * delta));
      } else {
        // scikit-learn's bundled TRON has no "CG reached the boundary: delta *= sigma3" rule
        // (newer LIBLINEAR added it); leaving it out keeps the iterates, and n_iter_, like sklearn.
        delta = Math.max(delta, Math.min(alpha * snorm, SIGMA3 * delta));
      }
      if (actred > ETA0 * prered) {
        iter++;
        double[] t = w;
        w = wNew;
        wNew = t;
        f = fNew;
        fun.gradient(w, g);
        gnorm = DenseProblem.norm(g);
        if (gnorm <= eps * gnorm0) {
          converged = true;
          break;
        }
      }
      if (f < -1.0e32) {
        break; // unbounded below
      }
      if (Math.abs(actred) <= 0 && prered <= 0) {
        break; // no further progress possible
      }
      if (Math.abs(actred) <= 1.0e-12 * Math.abs(f) && Math.abs(prered) <= 1.0e-12 * Math.abs(f)) {
        break; // progress below machine precision
      }
    }
    // LIBLINEAR counts the accepted steps from 1; report the number of Newton steps taken.
    return new BinaryResult(w, iter - 1, converged);
  }

  /**
   * Steihaug CG on {@code H s = -g} inside {@code ||s|| <= delta}; leaves the step in {@code s} and
   * the residual {@code -g - H s} in {@code r}.
   */
  private static int conjugateGradient(
      SquaredHingePrimal fun,
      double delta,
      double[] g,
      double[] s,
      double[] r,
      double[] d,
      double[] hd) {
    int n = g.length;
    for (int j = 0; j < n; j++) {
      s[j] = 0;
      r[j] = -g[j];
      d[j] = r[j];
    }
    double cgTol = CG_RELATIVE_TOL * DenseProblem.norm(g);
    int cgIter = 0;
    double rTr = DenseProblem.dot(r, r);
    while (Math.sqrt(rTr) > cgTol) {
      cgIter++;
      fun.hessianTimes(d, hd);
      double alpha = rTr / DenseProblem.dot(d, hd);
      for (int j = 0; j < n; j++) {
        s[j] += alpha * d[j];
      }
      if (DenseProblem.norm(s) > delta) {
        // Step back and go to the trust-region boundary along d.
        for (int j = 0; j < n; j++) {
          s[j] -= alpha * d[j];
        }
        double std = DenseProblem.dot(s, d);
        double sts = DenseProblem.dot(s, s);
        double dtd = DenseProblem.dot(d, d);
        double dsq = delta * delta;
        double rad = Math.sqrt(std * std + dtd * (dsq - sts));
        if (std >= 0) {
          alpha = (dsq - sts) / (std + rad);
        } else {
          alpha = (rad - std) / dtd;
        }
        for (int j = 0; j < n; j++) {
          s[j] += alpha * d[j];
          r[j] -= alpha * hd[j];
        }
        break;
      }
      for (int j = 0; j < n; j++) {
        r[j] -= alpha * hd[j];
      }
      double rNew = DenseProblem.dot(r, r);
      double beta = rNew / rTr;
      for (int j = 0; j < n; j++) {
        d[j] = r[j] + beta * d[j];
      }
      rTr = rNew;
    }
    return cgIter;
  }
}
