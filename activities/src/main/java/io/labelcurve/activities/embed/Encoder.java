package io.labelcurve.activities.embed;

import io.labelcurve.activities.model.ModelSpec;
import java.util.List;

/**
 * A frozen image encoder: a batch of preprocessed inputs (CHW, as {@link Preprocessor} makes them)
 * to one embedding each. Runs without autograd on any calling thread. One batch at a time (calls
 * are serialised); close it to free native memory.
 */
public interface Encoder extends AutoCloseable {

  /** Embeddings of a batch, in order: {@code chw.size()} rows of {@link #dim()} values. */
  float[][] embed(List<float[]> chw);

  /**
   * Embeddings of a batch of 8-bit frames ({@code n} frames of {@code side × side} bytes, packed),
   * preprocessed by the encoder: a device encoder does it on its device ({@link
   * DevicePreprocessor}), so only the bytes cross to it. This default preprocesses on the CPU
   * ({@link Preprocessor}) and calls {@link #embed}.
   */
  default float[][] embedFrames(byte[] frames, int n, int side) {
    Preprocessor pre = new Preprocessor(spec());
    java.util.List<float[]> inputs = new java.util.ArrayList<>(n);
    int plane = side * side;
    for (int i = 0; i < n; i++) {
      inputs.add(pre.applyFrame(frames, i * plane, side));
    }
    return embed(inputs);
  }

  /**
   * Whether {@link #embedFrames} is the better way in: true where it preprocesses on a GPU (bytes,
   * not floats, cross to it). Extraction then sends batches of originals as frames.
   */
  default boolean prefersFrames() {
    return false;
  }

  /** Embedding size. */
  int dim();

  /** Parameter count, counted on the loaded model. */
  long params();

  ModelSpec spec();

  @Override
  void close();
}
