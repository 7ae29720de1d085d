package io.labelcurve.activities.svm;

/**
 * Weights of one binary problem ({@code d} feature weights, then the weight of the bias feature),
 * the solver's outer iteration count, and whether it met its tolerance before {@code maxIter}.
 */
record BinaryResult(double[] w, int iterations, boolean converged) {}
