package io.labelcurve.activities.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.frames.Frame;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Videos made by Debian's ffmpeg, decoded in process, against Debian ffmpeg's own decoding to RGB.
 */
class VideoFileTest {
  static final Path ROOT = Path.of("src/test/resources/import");

  @Test
  void mp4FramesEqualDebianFfmpegsDecoding() throws IOException {
    Path clip = ROOT.resolve("video/A4C/clip.mp4");
    VideoFile.Info info = VideoFile.probe(clip);
    assertEquals(10, info.frames());
    assertEquals(10.0, info.framesPerSecond().orElseThrow(), 1e-9);
    assertEquals(48, info.width());
    assertEquals("h264", info.codec());
    List<Frame> frames = new ArrayList<>();
    List<Integer> indices = new ArrayList<>();
    int decoded =
        VideoFile.decode(
            clip,
            new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
            (i, f) -> {
              indices.add(i);
              frames.add(f);
            });
    assertEquals(10, decoded);
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), indices);
    int worst = 0;
    for (int i = 0; i < frames.size(); i++) {
      Raster ref =
          ImageIO.read(ROOT.resolve("reference/clip." + (i + 1) + ".png").toFile()).getRaster();
      Frame f = frames.get(i);
      for (int y = 0; y < f.height(); y++) {
        for (int x = 0; x < f.width(); x++) {
          for (int c = 0; c < 3; c++) {
            worst = Math.max(worst, Math.abs(f.sample(x, y, c) - ref.getSample(x, y, c)));
          }
        }
      }
    }
    System.out.println(
        "H.264 clip: largest difference from Debian ffmpeg's rgb24 decoding " + worst);
    // H.264 decoding is bit-exact; the YUV to RGB conversion of two libswscale versions may round
    // apart.
    assertTrue(worst <= 2, "largest difference " + worst);
  }

  @Test
  void onlyTheWantedFramesAreDelivered() {
    List<Integer> indices = new ArrayList<>();
    VideoFile.decode(
        ROOT.resolve("video/PLAX/clip.avi"), new int[] {1, 4}, (i, f) -> indices.add(i));
    assertEquals(List.of(1, 4), indices);
    VideoFile.Info info = VideoFile.probe(ROOT.resolve("video/PLAX/clip.avi"));
    assertEquals(6, info.frames());
    assertEquals(5.0, info.framesPerSecond().orElseThrow(), 1e-9);
  }

  @Test
  void anUnreadableVideoIsNamed() {
    Path broken = ROOT.resolve("bad/broken.mp4");
    BadInputException e = assertThrows(BadInputException.class, () -> VideoFile.probe(broken));
    assertTrue(e.getMessage().startsWith(broken + ": unreadable video"), e.getMessage());
  }
}
