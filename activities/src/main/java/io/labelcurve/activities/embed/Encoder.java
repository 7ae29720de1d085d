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

  /** Embedding size. */
  int dim();

  /** Parameter count, counted on the loaded model. */
  long params();

  ModelSpec spec();

  @Override
  void close();
}
