package io.labelcurve.activities.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;

/**
 * {@link Preprocessor}'s numbers computed with NDArray operations on the encoder's device, from a
 * batch of 8-bit frames: only the bytes ({@code n × side²}) cross to the device, not the float
 * inputs ({@code n × channels × size² × 4}, 36 times as many for 3 × 224 from 256). Conversion to
 * [0, 1], resize (as two matrix products with {@link Preprocessor#axisMatrix}'s weights, or a plain
 * slice when the resize is the identity, as for every built-in and catalog model at 256), centre
 * crop, grey to channels and {@code (x - mean) * (1 / std)}.
 *
 * <p>On the CPU it gives {@link Preprocessor#apply}'s values up to float rounding of the sums
 * (identical for an identity resize; {@code DevicePreprocessorTest}).
 */
public final class DevicePreprocessor {
  private final Preprocessor pre;

  public DevicePreprocessor(Preprocessor pre) {
    this.pre = pre;
  }

  public Preprocessor preprocessor() {
    return pre;
  }

  /**
   * The encoder inputs, {@code (n, channels, size, size)} float32, of {@code n} frames of {@code
   * side × side} bytes packed one after the other, created in {@code manager} (on its device).
   */
  public NDArray apply(NDManager manager, byte[] frames, int n, int side) {
    if (frames.length != n * side * side) {
      throw new IllegalArgumentException(
          frames.length + " bytes are not " + n + " frames of " + side + "x" + side);
    }
    int size = pre.size();
    int c = pre.channels();
    NDArray bytes =
        manager.create(ByteBuffer.wrap(frames), new Shape(n, side, side), DataType.UINT8);
    NDArray x = bytes.toType(DataType.FLOAT32, false).div(255f);
    NDArray cropped;
    if (pre.resize() == side) {
      int off = (int) Math.rint((side - size) / 2.0);
      cropped = x.get(new NDIndex(":, {}:{}, {}:{}", off, off + size, off, off + size));
    } else {
      NDArray wy = manager.create(pre.axisMatrix(side), new Shape(size, side));
      NDArray wxT = manager.create(pre.axisMatrix(side), new Shape(size, side)).transpose();
      // Horizontal then vertical, as Preprocessor sums them.
      cropped = wy.matMul(x.matMul(wxT));
    }
    NDArray mean = manager.create(pre.mean(), new Shape(1, c, 1, 1));
    NDArray invStd = manager.create(pre.invStd(), new Shape(1, c, 1, 1));
    return cropped.expandDims(1).sub(mean).mul(invStd);
  }
}
