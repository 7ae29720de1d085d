package io.labelcurve.workflows.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The epochs rule against the paper's Tables 5 and 6 (shared/reference/paper-protocol.json). */
class FinetuneScheduleTest {

  static JsonNode protocol() throws Exception {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("mvnw"))) {
      p = p.getParent();
    }
    Assumptions.assumeTrue(p != null && p.getParent() != null, "repository root not found");
    Path json = p.getParent().resolve("shared/reference/paper-protocol.json");
    Assumptions.assumeTrue(Files.isRegularFile(json), json + " is not here");
    return new ObjectMapper().readTree(json.toFile());
  }

  @Test
  void table5ImageSamplingIsTheCeilRule() throws Exception {
    JsonNode t5 = protocol().get("table5_epochs_image_sampling");
    int rows = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = t5.fields(); it.hasNext(); rows++) {
      Map.Entry<String, JsonNode> e = it.next();
      assertEquals(
          e.getValue().asInt(),
          FinetuneSchedule.epochs(Integer.parseInt(e.getKey())),
          "Table 5: " + e.getKey() + " images");
    }
    assertEquals(7, rows);
    // "16384 →": one epoch above too.
    assertEquals(1, FinetuneSchedule.epochs(100_000));
    assertEquals(1, FinetuneSchedule.epochs(16_385));
    assertEquals(2, FinetuneSchedule.epochs(16_383));
  }

  @Test
  void table6SequenceSamplingNeedsAbout330To409ImagesPerSequence() throws Exception {
    JsonNode t6 = protocol().get("table6_epochs_sequence_sampling");
    int classes = protocol().get("classes").size();
    assertEquals(10, classes);
    JsonNode k = t6.get("sequences_per_class");
    JsonNode epochs = t6.get("epochs");
    // Every length per sequence in [328, 409] reproduces the whole table with the ceil rule.
    for (int perSequence : new int[] {328, 350, 400, 409}) {
      for (int i = 0; i < k.size(); i++) {
        int images = k.get(i).asInt() * classes * perSequence;
        assertEquals(
            epochs.get(i).asInt(),
            FinetuneSchedule.epochs(images),
            "Table 6: " + k.get(i) + " sequences/class at " + perSequence + " images/sequence");
      }
    }
    // With exactly the text's "about 300", the first column would be 6, not 5 ...
    assertEquals(6, FinetuneSchedule.epochs(1 * classes * 300));
    assertNotEquals(epochs.get(0).asInt(), FinetuneSchedule.epochs(3000));
    // ... and neither floor nor rounding fits the table either.
    assertNotEquals(3, (int) Math.floor(16384.0 / 6000));
    assertNotEquals(2, (int) Math.round(16384.0 / 12000));
    // Outside [328, 409] some column breaks: 327 gives 6 epochs at k = 1, 410 gives 2 at k = 2.
    assertEquals(6, FinetuneSchedule.epochs(10 * 327));
    assertEquals(2, FinetuneSchedule.epochs(2 * 10 * 410));
  }

  @Test
  void presetsMaySeeFewerSamplesAndStepsCountShortBatches() {
    assertEquals(4, FinetuneSchedule.epochs(256, 1024));
    assertEquals(1, FinetuneSchedule.epochs(3000, 1024));
    assertEquals(4L * 3, FinetuneSchedule.steps(40, 4, 16));
    assertThrows(IllegalArgumentException.class, () -> FinetuneSchedule.epochs(0));
  }
}
