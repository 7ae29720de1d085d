package io.labelcurve.activities.report;

import io.labelcurve.activities.Sha256;
import io.labelcurve.activities.eval.SequenceOutcomes;
import java.util.SplittableRandom;

/**
 * The test set resampled by sequence: frames of one sequence are not independent (they share a
 * patient, a view and its quality), so a test-set interval that resampled frames would be too
 * narrow. Each replicate draws as many sequences as the split has, with replacement; an image-level
 * accuracy is then Σ w·correct / Σ w·frames over the sequences drawn w times (a ratio estimator), a
 * sequence-level one Σ w·voteCorrect / Σ w. Percentile intervals (Efron and Tibshirani 1993, ch.
 * 13) from {@value #REPLICATES} replicates.
 *
 * <p>The draws depend only on the split and its sequences, so every cell of a split is resampled
 * with the same draws: the replicates of two models (or of the seeds of one model) are paired, as
 * their test set is. No maintained Java library does a clustered bootstrap (Smile and Commons Math
 * have none), so it is written here; {@code ClusterBootstrapTest} checks it against NumPy and
 * statsmodels.
 */
public final class ClusterBootstrap {
  /** Replicates of every interval: enough for 2.5 % / 97.5 % percentiles (Efron: ≥ 1000). */
  public static final int REPLICATES = 2000;

  /** {@code [replicate][sequence]}: how often a sequence is drawn (at most 127, see draw). */
  private final byte[][] weights;

  private final String digest;

  private ClusterBootstrap(byte[][] weights, String digest) {
    this.weights = weights;
    this.digest = digest;
  }

  /** The draws of one split's sequences, seeded by the split's name and sequences. */
  public static ClusterBootstrap of(String split, String sequencesDigest, int sequences) {
    return draw(sequences, REPLICATES, stableSeed(split + "\n" + sequencesDigest), sequencesDigest);
  }

  /** {@code replicates} draws of {@code clusters} sequences with replacement. */
  static ClusterBootstrap draw(int clusters, int replicates, long seed, String digest) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[][] w = new byte[replicates][clusters];
    for (int b = 0; b < replicates; b++) {
      for (int i = 0; i < clusters; i++) {
        int j = random.nextInt(clusters);
        // A sequence drawn 128 times among n draws has probability below 1/127! per draw.
        if (w[b][j] == Byte.MAX_VALUE) {
          throw new IllegalStateException("a sequence drawn 128 times in one replicate");
        }
        w[b][j]++;
      }
    }
    return new ClusterBootstrap(w, digest);
  }

  public int replicates() {
    return weights.length;
  }

  /** The sequences' digest the draws are for. */
  public String digest() {
    return digest;
  }

  /**
   * One cell's accuracy in every replicate.
   *
   * @param sequenceLevel the vote's accuracy, else the images'
   * @throws IllegalArgumentException when the outcomes are of other sequences than the draws
   */
  public double[] replicates(SequenceOutcomes o, boolean sequenceLevel) {
    if (!o.sequencesDigest().equals(digest) || o.sequences() != weights[0].length) {
      throw new IllegalArgumentException(
          "outcomes of "
              + o.split()
              + " are of other sequences ("
              + o.sequencesDigest()
              + ") than the draws ("
              + digest
              + ")");
    }
    int[] num = sequenceLevel ? o.voteCorrect() : o.correct();
    int[] den = sequenceLevel ? null : o.frames();
    double[] out = new double[weights.length];
    for (int b = 0; b < weights.length; b++) {
      byte[] w = weights[b];
      long n = 0;
      long d = 0;
      for (int i = 0; i < w.length; i++) {
        n += (long) w[i] * num[i];
        d += den == null ? w[i] : (long) w[i] * den[i];
      }
      out[b] = d == 0 ? Double.NaN : (double) n / d;
    }
    return out;
  }

  /** The central 95 % percentile interval of replicates (a copy is sorted). */
  public static double[] interval95(double[] replicates) {
    double[] v = replicates.clone();
    return new double[] {Statistics.quantile(v, 0.025), Statistics.quantile(v, 0.975)};
  }

  static long stableSeed(String text) {
    return Sha256.seed(text);
  }
}
