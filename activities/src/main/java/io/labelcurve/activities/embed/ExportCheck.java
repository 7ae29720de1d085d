package io.labelcurve.activities.embed;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.npy.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The PyTorch reference that {@code deploy/models/export.py --check} leaves beside a model: a
 * seeded batch of already-normalised inputs ({@value #INPUT}, one CHW image per row) and the eager
 * module's embeddings of each at batch 1 ({@value #OUTPUT}; the exporter refuses to write them
 * unless its other batch sizes give the same). DJL's libtorch is usually another PyTorch version
 * than the exporter's (2.7.1 here), and TorchScript is only promised to load across versions, not
 * to give the same numbers: {@link NumericsCanary} compares, as {@code numpy.allclose} does, with
 * the tolerances below.
 */
public final class ExportCheck {
  public static final String INPUT = "check-input.npy";
  public static final String OUTPUT = "check-output.npy";

  /** Float32 kernels of two PyTorch versions differ in summation order: 1e-3 relative. */
  public static final double RTOL = 1e-3;

  public static final double ATOL = 1e-4;

  /**
   * A reference pair.
   *
   * @param inputs CHW rows
   * @param outputs PyTorch's embedding of each, computed one image at a time
   */
  public record Reference(float[][] inputs, float[][] outputs) {}

  private ExportCheck() {}

  /**
   * The reference beside a model, for inputs of {@code channels × size × size}: empty when the
   * exporter left none, or left one for another input size (a preset shrinks inputs).
   *
   * @throws BadInputException when the pair is unreadable or not of one image size
   */
  public static Optional<Reference> read(Path folder, int channels, int size) {
    Path in = folder.resolve(INPUT);
    Path out = folder.resolve(OUTPUT);
    if (!Files.isRegularFile(in) || !Files.isRegularFile(out)) {
      return Optional.empty();
    }
    float[][] inputs = floats(in);
    float[][] outputs = floats(out);
    int per = channels * size * size;
    int got = inputs.length == 0 ? 0 : inputs[0].length;
    long side = Math.round(Math.sqrt(got / (double) channels));
    boolean anImage = got > 0 && channels * side * side == got;
    if (inputs.length != outputs.length || inputs.length == 0 || !anImage) {
      throw new BadInputException(
          in
              + ": "
              + inputs.length
              + " rows of "
              + got
              + " values for "
              + outputs.length
              + " expected embeddings; the model takes "
              + per
              + " values an image"
              + " (its model.json's input); export it again");
    }
    return got == per ? Optional.of(new Reference(inputs, outputs)) : Optional.empty();
  }

  /** Whether the exporter left a pair beside the model, whatever its size. */
  public static boolean present(Path folder) {
    return Files.isRegularFile(folder.resolve(INPUT))
        && Files.isRegularFile(folder.resolve(OUTPUT));
  }

  private static float[][] floats(Path file) {
    try (InputStream s = Files.newInputStream(file)) {
      return Npy.readFloats(s);
    } catch (IOException e) {
      throw new BadInputException(file + " is not a 2-D float .npy file: " + e.getMessage(), e);
    }
  }
}
