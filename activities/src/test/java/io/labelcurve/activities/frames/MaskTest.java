package io.labelcurve.activities.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaskTest {
  private static Frame white(int w, int h) {
    byte[] px = new byte[w * h];
    Arrays.fill(px, (byte) 200);
    return new Frame(w, h, 1, px);
  }

  @Test
  void aRectangleIsBlanked() {
    Frame out = new Mask(List.of(Mask.Rect.parse("2,1,3,2")), null).apply(white(8, 4));
    assertEquals(0, out.sample(2, 1, 0));
    assertEquals(0, out.sample(4, 2, 0));
    assertEquals(200, out.sample(5, 1, 0));
    assertEquals(200, out.sample(2, 3, 0));
  }

  @Test
  void outsideTheSectorIsBlanked() {
    // apex at the top middle, radius 10, 30 degrees either side of straight down
    Frame out = new Mask(List.of(), Mask.Sector.parse("10,0,10,-30,30")).apply(white(21, 12));
    assertEquals(200, out.sample(10, 5, 0)); // straight down, inside
    assertEquals(0, out.sample(10, 11, 0)); // beyond the radius
    assertEquals(0, out.sample(18, 2, 0)); // 76 degrees to the side
    assertEquals(200, out.sample(12, 6, 0)); // 18 degrees
  }
}
