package io.labelcurve.activities.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class FrameSelectionTest {
  private static int[] pick(String rule, int frames, double fps) {
    return FrameSelection.parse(rule)
        .pick(frames, fps > 0 ? OptionalDouble.of(fps) : OptionalDouble.empty(), "f");
  }

  @Test
  void rules() {
    assertArrayEquals(new int[] {0, 1, 2}, pick("all", 3, 0));
    assertArrayEquals(new int[] {0, 3, 6, 9}, pick("every:3", 10, 0));
    assertArrayEquals(new int[] {0, 12, 25, 37, 49}, pick("even:5", 50, 0));
    assertArrayEquals(new int[] {0, 1, 2}, pick("even:5", 3, 0));
    assertArrayEquals(new int[] {0, 10, 20}, pick("fps:3", 30, 30));
    assertArrayEquals(new int[] {0, 1}, pick("fps:60", 2, 30));
  }

  @Test
  void badRulesAndAMissingRateAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> FrameSelection.parse("even:2.5"));
    assertThrows(IllegalArgumentException.class, () -> FrameSelection.parse("some"));
    BadInputException e = assertThrows(BadInputException.class, () -> pick("fps:2", 10, 0));
    assertTrue(e.getMessage().startsWith("f: --frames fps:2 needs a frame rate"), e.getMessage());
  }
}
