package io.labelcurve.activities.embed;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.model.ModelSpec;
import java.util.List;

/**
 * An {@link Encoder} over a DJL block (a TorchScript module or a built-in one). Each batch lives in
 * its own sub-manager of the model's, closed at the end of the batch, so no intermediate outlives
 * it; autograd is off on the calling thread for the batch (PyTorch's grad mode is thread-local and
 * DJL turns it off only on the thread that starts the engine).
 */
final class DjlEncoder implements Encoder {
  private final ModelSpec spec;
  private final Model model;
  private final Block block;
  private final Device device;
  private final long params;
  private final int channels;
  private final int size;
  private final DevicePreprocessor devicePre;
  private boolean closed;

  DjlEncoder(ModelSpec spec, Model model, Block block, Device device, long params) {
    this.spec = spec;
    this.model = model;
    this.block = block;
    this.device = device;
    this.params = params;
    this.channels = spec.input().channels();
    this.size = spec.input().size();
    this.devicePre = new DevicePreprocessor(new Preprocessor(spec));
  }

  @Override
  public synchronized float[][] embed(List<float[]> chw) {
    if (closed) {
      throw new IllegalStateException("encoder " + spec.id() + " is closed");
    }
    int n = chw.size();
    if (n == 0) {
      return new float[0][];
    }
    int per = channels * size * size;
    float[] flat = new float[n * per];
    for (int i = 0; i < n; i++) {
      float[] x = chw.get(i);
      if (x.length != per) {
        throw new IllegalArgumentException(
            "input "
                + i
                + " has "
                + x.length
                + " values, "
                + spec.id()
                + " takes "
                + channels
                + "x"
                + size
                + "x"
                + size);
      }
      System.arraycopy(x, 0, flat, i * per, per);
    }
    boolean grad = JniUtils.isGradMode();
    if (grad) {
      JniUtils.setGradMode(false);
    }
    try (NDManager m = model.getNDManager().newSubManager(device)) {
      return forward(m, m.create(flat, new Shape(n, channels, size, size)), n);
    } finally {
      if (grad) {
        JniUtils.setGradMode(true);
      }
    }
  }

  /** Preprocessing on this encoder's device: only the frames' bytes are copied to it. */
  @Override
  public synchronized float[][] embedFrames(byte[] frames, int n, int side) {
    if (closed) {
      throw new IllegalStateException("encoder " + spec.id() + " is closed");
    }
    if (n == 0) {
      return new float[0][];
    }
    boolean grad = JniUtils.isGradMode();
    if (grad) {
      JniUtils.setGradMode(false);
    }
    try (NDManager m = model.getNDManager().newSubManager(device)) {
      return forward(m, devicePre.apply(m, frames, n, side), n);
    } finally {
      if (grad) {
        JniUtils.setGradMode(true);
      }
    }
  }

  /** On a GPU; on the CPU, {@link #embed} keeps exactly the numbers of Java preprocessing. */
  @Override
  public boolean prefersFrames() {
    return device != null && device.isGpu();
  }

  private float[][] forward(NDManager m, NDArray x, int n) {
    NDList out = block.forward(new ParameterStore(m, false), new NDList(x), false);
    NDArray y = out.get(0);
    if (y.getShape().dimension() != 2) {
      y = y.reshape(n, -1);
    }
    long d = y.getShape().get(1);
    if (y.getShape().get(0) != n || d != spec.embeddingDim()) {
      throw new BadInputException(
          spec.source()
              + ": field 'embedding_dim' is "
              + spec.embeddingDim()
              + " but the model gives an output of shape "
              + y.getShape()
              + " for "
              + n
              + " images; correct embedding_dim, or export the pooled feature");
    }
    return Encoders.rows(y.toFloatArray(), n, (int) d);
  }

  @Override
  public int dim() {
    return spec.embeddingDim();
  }

  @Override
  public long params() {
    return params;
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  /** Arrays held by the model's manager and its open sub-managers (for leak checks). */
  int managedArrays() {
    return model.getNDManager().getManagedArrays().size();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      model.close();
    }
  }
}
