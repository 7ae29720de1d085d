package io.labelcurve.activities.embed;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.npy.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Does this engine compute what the exporter's PyTorch computed? {@code deploy/models/export.py
 * --check} leaves beside a model a seeded batch of already-normalised inputs ({@value #INPUT}, one
 * CHW image per row) and the eager module's embeddings of it ({@value #OUTPUT}). DJL's libtorch
 * is usually another PyTorch version than the exporter's (2.7.1 here, the exporter's is whatever
 * the user has), and TorchScript is only promised to load across versions, not to give the same
 * numbers; this runs the batch and compares, as {@code numpy.allclose} does.
 */
public final class ExportCheck {
  public static final String INPUT = "check-input.npy";
  public static final String OUTPUT = "check-output.npy";
  /** Float32 kernels of two PyTorch versions differ in summation order: 1e-3 relative. */
  public static final double RTOL = 1e-3;
  public static final double ATOL = 1e-4;

  /**
   * What the comparison found.
   *
   * @param rows images in the batch
   * @param maxAbsDiff the largest |engine − exporter| over every value
   * @param worstExcess the largest |diff| − (atol + rtol·|exporter|); ≤ 0 when all are close
   */
  public record Result(int rows, double maxAbsDiff, double worstExcess) {
    public boolean close() {
      return worstExcess <= 0;
    }
  }

  private ExportCheck() {}

  /** The check of the model in {@code folder}, or empty when the exporter left no pair there. */
  public static Optional<Result> run(Encoder encoder, Path folder) {
    Path in = folder.resolve(INPUT);
    Path out = folder.resolve(OUTPUT);
    if (!Files.isRegularFile(in) || !Files.isRegularFile(out)) {
      return Optional.empty();
    }
    float[][] inputs = read(in);
    float[][] want = read(out);
    int per = encoder.spec().input().channels() * encoder.spec().input().size()
        * encoder.spec().input().size();
    if (inputs.length != want.length || inputs.length == 0 || inputs[0].length != per) {
      throw new BadInputException(in + ": " + inputs.length + " rows of " + (inputs.length == 0
          ? 0 : inputs[0].length) + " values for " + want.length + " expected embeddings; the model"
          + " takes " + per + " values an image (its model.json's input); export it again");
    }
    float[][] got = encoder.embed(Arrays.asList(inputs));
    double maxAbs = 0;
    double worst = Double.NEGATIVE_INFINITY;
    for (int r = 0; r < want.length; r++) {
      if (got[r].length != want[r].length) {
        throw new BadInputException(out + ": embeddings of " + want[r].length + " values, the model"
            + " gives " + got[r].length);
      }
      for (int c = 0; c < want[r].length; c++) {
        double d = Math.abs(got[r][c] - want[r][c]);
        maxAbs = Math.max(maxAbs, d);
        worst = Math.max(worst, d - (ATOL + RTOL * Math.abs(want[r][c])));
      }
    }
    return Optional.of(new Result(want.length, maxAbs, worst));
  }

  private static float[][] read(Path file) {
    try (InputStream s = Files.newInputStream(file)) {
      return Npy.readFloats(s);
    } catch (IOException e) {
      throw new BadInputException(file + " is not a 2-D float .npy file: " + e.getMessage(), e);
    }
  }
}
