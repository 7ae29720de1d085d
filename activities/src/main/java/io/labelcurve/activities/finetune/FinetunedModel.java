package io.labelcurve.activities.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.labelcurve.activities.model.ModelSpec;
import java.util.List;
import java.util.Map;

/**
 * A finetuned encoder and head: class scores of preprocessed images. Holds native (possibly GPU)
 * memory until {@link #close()}d. One batch at a time.
 */
public final class FinetunedModel implements AutoCloseable {
  private final Network net;
  private final ModelSpec spec;
  private boolean closed;

  FinetunedModel(Network net, ModelSpec spec) {
    this.net = net;
    this.spec = spec;
  }

  public ModelSpec spec() {
    return spec;
  }

  /** Parameters of encoder and head. */
  public long params() {
    return net.params();
  }

  /** Logits ({@code [image][class]}) of a batch of CHW inputs, in evaluation mode, no autograd. */
  public synchronized double[][] scores(List<float[]> chw) {
    if (closed) {
      throw new IllegalStateException("model is closed");
    }
    int n = chw.size();
    if (n == 0) {
      return new double[0][];
    }
    int c = spec.input().channels();
    int s = spec.input().size();
    int per = c * s * s;
    float[] flat = new float[n * per];
    for (int i = 0; i < n; i++) {
      System.arraycopy(chw.get(i), 0, flat, i * per, per);
    }
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager m = net.manager().newSubManager(net.device())) {
      NDArray logits = net.logits(m, m.create(flat, new Shape(n, c, s, s)), false);
      float[] v = logits.toFloatArray();
      int k = (int) logits.getShape().get(1);
      double[][] out = new double[n][k];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < k; j++) {
          out[i][j] = v[i * k + j];
        }
      }
      return out;
    } finally {
      JniUtils.setGradMode(grad);
    }
  }

  /** The weights as files ({@code encoder.pt} or {@code encoder.ndlist}, {@code head.ndlist}). */
  public synchronized Map<String, byte[]> weights() {
    return net.save();
  }

  Network network() {
    return net;
  }

  /** Arrays held by the model's manager (for leak checks). */
  public int managedArrays() {
    return net.managedArrays();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      net.close();
    }
  }
}
