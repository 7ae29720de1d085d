package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad spec is refused by the CLI with the field named, before it connects to anything: no
 * Temporal server or bucket runs in this test, and none is needed.
 */
class SweepStartRefusalTest {
  @TempDir Path dir;

  private String refuse(String yaml) throws Exception {
    Path spec = Files.writeString(dir.resolve("spec.yaml"), yaml);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int code =
          Labelcurve.run(
              "sweep",
              "start",
              spec.toString(),
              "--models",
              dir.toString(),
              "--temporal",
              "127.0.0.1:1",
              "--s3-endpoint",
              "http://127.0.0.1:1");
      assertEquals(2, code, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(err);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  static final String GOOD =
      """
      id: s
      dataset: data/manifest.csv
      test_splits: [T1]
      models: [random-resnet18]
      sampling:
        image: {sizes: [16]}
      """;

  @Test
  void anUnknownModelIsNamed() throws Exception {
    String err = refuse(GOOD.replace("[random-resnet18]", "[random-resnet18, dinov9]"));
    assertTrue(err.contains("models[1]") && err.contains("dinov9"), err);
  }

  @Test
  void anUnknownFieldAndABadSizeAreNamed() throws Exception {
    String err = refuse(GOOD.replace("seeds", "x") + "sedes: 3\n").replace("\r", "");
    assertTrue(err.contains("sedes: unknown field"), err);
    err = refuse(GOOD.replace("[16]", "[16, big]"));
    assertTrue(err.contains("sampling.image.sizes[1]"), err);
  }

  @Test
  void aMissingSplitListIsNamed() throws Exception {
    String err = refuse(GOOD.replace("test_splits: [T1]\n", ""));
    assertTrue(err.contains("test_splits: missing"), err);
  }

  @Test
  void anUnknownPresetIsNamed() throws Exception {
    String err = refuse(GOOD + "preset: gpu-huge\n");
    assertTrue(err.contains("preset") && err.contains("gpu-huge"), err);
  }

  @Test
  void anUnknownBaselineOrWholePoolModelAndBadEpochsAreNamed() throws Exception {
    String err =
        refuse(
            GOOD
                + "baseline: resnet51-scratch\nfull_pool_finetune: [resnet50-scratch,"
                + " dinov9]\nfinetune_epochs: {sequence/1: 0}\n");
    assertTrue(
        err.contains("baseline: unknown model 'resnet51-scratch'")
            && err.contains("resnet50-scratch, built in"),
        err);
    assertTrue(err.contains("full_pool_finetune[1]: unknown model 'dinov9'"), err);
    assertTrue(err.contains("finetune_epochs.sequence/1: 0 must be at least 1"), err);
  }

  @Test
  void thePaperPresetNeedsADatasetAndItsModels() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      assertEquals(
          2,
          Labelcurve.run(
              "sweep",
              "start",
              "--preset",
              "paper",
              "--models",
              dir.toString(),
              "--temporal",
              "127.0.0.1:1",
              "--s3-endpoint",
              "http://127.0.0.1:1"));
      assertEquals(
          2,
          Labelcurve.run(
              "sweep",
              "start",
              "--preset",
              "paper",
              "--dataset",
              "d/manifest.csv",
              "--models",
              dir.toString(),
              "--temporal",
              "127.0.0.1:1",
              "--s3-endpoint",
              "http://127.0.0.1:1"));
    } finally {
      System.setErr(err);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("--preset paper needs --dataset"), text);
    // With no export in the catalog: the five foundation models are named; the baseline is built
    // in.
    for (String model : PaperPreset.MODELS) {
      assertTrue(text.contains("unknown model '" + model + "'"), model + ": " + text);
    }
    assertTrue(!text.contains("baseline:"), text);
  }
}
