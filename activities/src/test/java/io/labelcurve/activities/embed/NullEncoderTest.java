package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The benchmark's null encoder: each input's per-channel mean, the same from floats and frames. */
class NullEncoderTest {

  @Test
  void aVectorIsTheMeanOfEachChannelFromInputsAndFromFrames() {
    SplittableRandom random = new SplittableRandom(42);
    int side = 256;
    int n = 3;
    byte[] frames = new byte[n * side * side];
    random.nextBytes(frames);
    try (NullEncoder fromFloats = new NullEncoder(false);
        NullEncoder fromFrames = new NullEncoder(true)) {
      Preprocessor pre = new Preprocessor(fromFloats.spec());
      List<float[]> inputs =
          List.of(
              pre.applyFrame(frames, 0, side),
              pre.applyFrame(frames, side * side, side),
              pre.applyFrame(frames, 2 * side * side, side));
      float[][] got = fromFloats.embed(inputs);
      float[][] nd = fromFrames.embedFrames(frames, n, side);
      int plane = pre.size() * pre.size();
      for (int i = 0; i < n; i++) {
        for (int c = 0; c < pre.channels(); c++) {
          double sum = 0;
          for (int k = 0; k < plane; k++) {
            sum += inputs.get(i)[c * plane + k];
          }
          assertEquals(sum / plane, got[i][c], 1e-6, "input " + i + " channel " + c);
          assertEquals(got[i][c], nd[i][c], 1e-5, "frames, input " + i + " channel " + c);
        }
      }
    }
  }
}
