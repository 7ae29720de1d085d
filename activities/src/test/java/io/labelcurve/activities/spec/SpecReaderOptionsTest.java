package io.labelcurve.activities.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.workflows.spec.AugmentationSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import org.junit.jupiter.api.Test;

/** {@code vote_frames} and {@code augmentation} in a spec: read, defaulted, refused by field. */
class SpecReaderOptionsTest {
  private static final String BASE =
      """
      id: s
      dataset: s3://b/d/manifest.csv
      test_splits: [T1]
      models: [m]
      sampling: {image: {sizes: [16]}}
      """;

  @Test
  void absentOptionsAreTheDefaults() {
    SweepSpec spec = SpecReader.parse("spec.yaml", BASE);
    assertNull(spec.augmentation());
    assertNull(spec.voteFrames());
    assertEquals(AugmentationSpec.DEFAULT, spec.augmentationOrDefault());
    assertEquals(0, spec.voteFramesOrAll());
  }

  @Test
  void optionsAreReadAndSurviveJson() throws Exception {
    SweepSpec spec =
        SpecReader.parse(
            "spec.yaml",
            BASE
                + """
        vote_frames: 5
        augmentation: {tilt_degrees: [2, 4], wide_width: 1.1}
        """);
    assertEquals(5, spec.voteFrames());
    AugmentationSpec a = spec.augmentation();
    assertEquals(new AugmentationSpec.Range(2, 4), a.tiltDegrees());
    assertEquals(AugmentationSpec.DEFAULT.narrowWidth(), a.narrowWidth(), "left out: default");
    assertEquals(new AugmentationSpec.Range(1.1, 1.1), a.wideWidth());
    // spec.json and workflow history carry it as JSON.
    SweepSpec back =
        new ObjectMapper().readValue(new ObjectMapper().writeValueAsBytes(spec), SweepSpec.class);
    assertEquals(spec, back);
    assertEquals(
        AugmentationSpec.NONE,
        SpecReader.parse("spec.yaml", BASE + "augmentation: none\n").augmentation());
    assertNull(SpecReader.parse("spec.yaml", BASE + "vote_frames: all\n").voteFrames());
  }

  @Test
  void specsWrittenBeforeTheOptionsStillRead() throws Exception {
    String old =
        "{\"id\":\"s\",\"dataset\":\"d\",\"trainSplit\":\"train\",\"testSplits\":[\"T1\"],"
            + "\"models\":[\"m\"],\"adaptations\":[\"linear-probe\"],\"samplings\":[],\"seeds\":1,"
            + "\"preset\":\"cpu-small\",\"maxCellsInFlight\":4,\"seedsPer\":{}}";
    SweepSpec spec = new ObjectMapper().readValue(old, SweepSpec.class);
    assertNull(spec.augmentation());
    assertEquals(AugmentationSpec.DEFAULT, spec.augmentationOrDefault());
  }

  @Test
  void badValuesAreRefusedNamingTheField() {
    assertRefused("vote_frames: 0\n", "vote_frames: '0' is not a positive integer");
    assertRefused("vote_frames: five\n", "vote_frames: 'five' is not a positive integer");
    assertRefused("augmentation: some\n", "augmentation: 'some' is not 'none' or 'default'");
    assertRefused("augmentation: {tilt: [1, 2]}\n", "augmentation.tilt: unknown field");
    assertRefused(
        "augmentation: {tilt_degrees: [1]}\n", "augmentation.tilt_degrees: give [min, max]");
    assertRefused(
        "augmentation: {narrow_width: [0.9, 1.0]}\n",
        "augmentation.narrow_width: 1 is outside [0.5, 1) (a factor of 1 is the original's width)");
    assertRefused(
        "augmentation: {tilt_degrees: [8, 3]}\n",
        "augmentation.tilt_degrees: give [min, max] with min <= max, got [8, 3]");
  }

  private static void assertRefused(String extra, String message) {
    BadInputException e =
        assertThrows(BadInputException.class, () -> SpecReader.parse("spec.yaml", BASE + extra));
    assertTrue(
        e.getMessage().startsWith("spec.yaml: ") && e.getMessage().contains(message),
        e.getMessage());
  }
}
