package io.labelcurve.activities.embed;

import io.labelcurve.activities.model.BuiltinModels;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.torch.TorchRuntime;
import java.util.List;

/**
 * The encoder of {@code labelcurve bench embed --model null}: no network, so that the benchmark
 * times the pipeline alone (bucket, frames, preprocessing, batching, stored vectors). Each input's
 * vector is its per-channel mean, which reads every value (nothing can be skipped) at a cost far
 * below any real encoder's. Input as the built-in models': 3 × 224 from 256, mean 0.5, std 0.25.
 */
public final class NullEncoder implements Encoder {
  public static final String ID = "null";

  private static final ModelSpec SPEC =
      new ModelSpec(
          ID,
          "no encoder: per-channel mean of the input (benchmarks the pipeline alone)",
          ModelSpec.BUILTIN,
          null,
          null,
          BuiltinModels.input(),
          BuiltinModels.normalization(),
          3,
          0.0,
          null,
          "Apache-2.0",
          "built in: io.labelcurve.activities.embed.NullEncoder",
          "null",
          null,
          "<built-in>",
          null);

  private final boolean frames;

  /** An encoder that takes frames ({@link #embedFrames}) when {@code frames}. */
  public NullEncoder(boolean frames) {
    this.frames = frames;
  }

  @Override
  public boolean prefersFrames() {
    return frames;
  }

  private final DevicePreprocessor devicePre = new DevicePreprocessor(new Preprocessor(SPEC));

  @Override
  public float[][] embed(List<float[]> chw) {
    int channels = SPEC.input().channels();
    float[][] out = new float[chw.size()][channels];
    for (int i = 0; i < chw.size(); i++) {
      float[] x = chw.get(i);
      int plane = x.length / channels;
      for (int c = 0; c < channels; c++) {
        out[i][c] = (float) (sum(x, c * plane, (c + 1) * plane) / plane);
      }
    }
    return out;
  }

  /**
   * The sum of {@code x[from, to)} in four running sums: one sum is a chain of dependent additions
   * that costs more than the pipeline it stands beside (the JIT may not reorder floating-point
   * additions), four let the CPU overlap them. Still every value read.
   */
  private static double sum(float[] x, int from, int to) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int k = from;
    for (; k + 3 < to; k += 4) {
      s0 += x[k];
      s1 += x[k + 1];
      s2 += x[k + 2];
      s3 += x[k + 3];
    }
    for (; k < to; k++) {
      s0 += x[k];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /**
   * The frames preprocessed with NDArray operations ({@link DevicePreprocessor}, here on the CPU),
   * then each input's per-channel mean.
   */
  @Override
  public float[][] embedFrames(byte[] frames, int n, int side) {
    try (ai.djl.ndarray.NDManager m =
        ai.djl.ndarray.NDManager.newBaseManager(
            ai.djl.Device.cpu(), TorchRuntime.engine().getEngineName())) {
      ai.djl.ndarray.NDArray means =
          devicePre
              .apply(m, frames, n, side)
              .reshape(n, SPEC.input().channels(), -1)
              .mean(new int[] {2});
      return Encoders.rows(means.toFloatArray(), n, SPEC.input().channels());
    }
  }

  @Override
  public int dim() {
    return SPEC.embeddingDim();
  }

  @Override
  public long params() {
    return 0;
  }

  @Override
  public ModelSpec spec() {
    return SPEC;
  }

  @Override
  public void close() {}
}
