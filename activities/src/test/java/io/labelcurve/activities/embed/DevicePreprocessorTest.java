package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.labelcurve.activities.image.GreyFrames;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.torch.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Preprocessing a uint8 batch with NDArray operations (what a GPU encoder does on its device) gives
 * the Java {@link Preprocessor}'s numbers: identical for an identity resize (every built-in and
 * catalog model), within float rounding of the sums for a real resize.
 */
class DevicePreprocessorTest {

  private static ModelSpec spec(int channels, int size, int resize) {
    float[] mean = new float[channels];
    float[] std = new float[channels];
    for (int c = 0; c < channels; c++) {
      mean[c] = 0.4f + 0.05f * c;
      std[c] = 0.2f + 0.03f * c;
    }
    return new ModelSpec(
        "t",
        "t",
        ModelSpec.BUILTIN,
        null,
        null,
        new ModelSpec.Input(channels, size, resize),
        new ModelSpec.Normalization(mean, std),
        8,
        0.0,
        null,
        "x",
        "x",
        "resnet18",
        1L,
        "<test>",
        null);
  }

  private static float maxAbsDiff(ModelSpec spec, int n) {
    SplittableRandom random = new SplittableRandom(n);
    int side = 256;
    byte[] frames = new byte[n * side * side];
    for (int i = 0; i < frames.length; i++) {
      frames[i] = (byte) random.nextInt(256);
    }
    Preprocessor pre = new Preprocessor(spec);
    List<float[]> javaInputs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] one = java.util.Arrays.copyOfRange(frames, i * side * side, (i + 1) * side * side);
      javaInputs.add(pre.apply(GreyFrames.toImage(one, side)));
    }
    try (NDManager m =
        NDManager.newBaseManager(Device.cpu(), TorchRuntime.engine().getEngineName())) {
      float[] nd = new DevicePreprocessor(pre).apply(m, frames, n, side).toFloatArray();
      float max = 0;
      int per = pre.length();
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < per; k++) {
          max = Math.max(max, Math.abs(nd[i * per + k] - javaInputs.get(i)[k]));
        }
      }
      return max;
    }
  }

  @Test
  void anIdentityResizeGivesExactlyJavasNumbers() {
    assertArrayEquals(new float[] {0f}, new float[] {maxAbsDiff(spec(3, 224, 256), 5)}, 0f);
    assertArrayEquals(new float[] {0f}, new float[] {maxAbsDiff(spec(1, 256, 256), 2)}, 0f);
  }

  @Test
  void aRealResizeAgreesWithinFloatRounding() {
    float shrink = maxAbsDiff(spec(3, 112, 128), 4);
    float grow = maxAbsDiff(spec(3, 299, 320), 2);
    // Normalised values span about ±3; float sums of up to 3 products each way round to ~1e-6.
    assertTrue(shrink < 1e-5f, "shrink: " + shrink);
    assertTrue(grow < 1e-5f, "grow: " + grow);
  }
}
