package io.labelcurve.activities.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learning curves' log2 axis is ticked at the sizes that were run: the SVG of a sequence panel
 * (1, 2 and 4 sequences per class) and of an image panel (32, 128, 512 and the whole pool of 2,450)
 * holds exactly those labels under the plot, and none of the round log2 values XChart chose before
 * (0.87, 1.1, 1.3 …).
 */
class ChartsAxisTest {
  @TempDir Path dir;

  private static Curves.Curve curve(Curves.Panel panel, String model, double... xs) {
    List<Curves.Point> points = new ArrayList<>();
    for (int i = 0; i < xs.length; i++) {
      double acc = 0.5 + 0.1 * i;
      points.add(
          new Curves.Point(
              xs[i],
              (int) xs[i],
              Map.of(1, acc, 2, acc + 0.02),
              new Statistics.Mean(2, acc + 0.01, 0.014, 0.12),
              Map.of(1, "c1", 2, "c2")));
    }
    return new Curves.Curve(panel, model, points);
  }

  /** The text of every SVG text element, in document order. */
  private static List<String> texts(Path svg) throws Exception {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("<text[^>]*>([^<]*)</text>").matcher(Files.readString(svg));
    while (m.find()) {
      out.add(m.group(1).strip());
    }
    return out;
  }

  private List<String> axisLabels(Curves.Panel panel, double... xs) throws Exception {
    Curves.Curve a = curve(panel, "model-a", xs);
    Curves.Curve b = curve(panel, "model-b", xs);
    Charts.writePanels(
        "t",
        List.of(
            Charts.learningCurves(panel, List.of(a, b), List.of("model-a", "model-b"), 560, 420)),
        1,
        dir,
        panel.sampling());
    List<String> texts = texts(dir.resolve(panel.sampling() + ".svg"));
    assertFalse(texts.isEmpty(), "the SVG holds its text as text elements");
    return texts;
  }

  @Test
  void aSequencePanelIsTickedAtOneTwoAndFourSequences() throws Exception {
    List<String> texts =
        axisLabels(new Curves.Panel("linear-probe", "sequence", "T1", "image"), 1, 2, 4);
    for (String label : List.of("1", "2", "4")) {
      assertTrue(texts.contains(label), label + " in " + texts);
    }
    for (String stray : List.of("0.87", "1.1", "1.3", "1.5", "1.7", "2.3", "3.0", "3.5")) {
      assertFalse(texts.contains(stray), stray + " in " + texts);
    }
  }

  @Test
  void anImagePanelIsTickedAtItsSizesAndTheWholePool() throws Exception {
    List<String> texts =
        axisLabels(new Curves.Panel("linear-probe", "image", "T1", "image"), 32, 128, 512, 2450);
    // Numbers other than the accuracy axis' (0, 10 … 100): the x axis' labels, in order.
    List<String> sizes =
        texts.stream()
            .filter(t -> t.matches("[0-9,]+"))
            .filter(
                t -> {
                  int v = Integer.parseInt(t.replace(",", ""));
                  return !(v <= 100 && v % 10 == 0);
                })
            .toList();
    assertEquals(List.of("32", "128", "512", "2,450"), sizes, texts.toString());
  }
}
