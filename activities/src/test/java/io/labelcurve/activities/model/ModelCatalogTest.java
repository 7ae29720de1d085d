package io.labelcurve.activities.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {

  private static final String GOOD =
      """
      {"id": "m1", "format": "torchscript", "file": "encoder.pt",
       "input": {"channels": 3, "size": 224, "resize": 256},
       "normalization": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
       "embedding_dim": 8, "params_m": 1.5, "finetune_lr": 1e-4}
      """;

  /** One message names the file and every bad field, so a user fixes model.json in one pass. */
  @Test
  void everyBadFieldOfAModelJsonIsNamedAtOnce() throws Exception {
    String json =
        GOOD.replace("\"size\": 224", "\"size\": 300")
            .replace("[0.229, 0.224, 0.225]", "[0.2, 0.2]")
            .replace("\"finetune_lr\"", "\"finetune_rate\"");
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                ModelSpec.parse(
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(json),
                    "m1/model.json"));
    assertEquals(
        "m1/model.json: finetune_rate: unknown field; known fields are "
            + "[architecture, description, embedding_dim, file, finetune_head, finetune_lr, format,"
            + " id, input, licence, normalization, params_m, provenance, seed, sha256]\n"
            + "  input.size: (300) is larger than 'input.resize' (256); the crop must fit the image\n"
            + "  normalization.std: has 2 values; give 1 or one per channel (3)",
        e.getMessage());
  }

  @Test
  void loadsTheSharedCatalog() {
    Path shared = TestModels.sharedModels();
    Assumptions.assumeTrue(Files.isDirectory(shared), "../shared/models not found: " + shared);
    ModelCatalog c = ModelCatalog.load(shared);
    assertTrue(c.ids().contains("mobilenetv2-imagenet"), c.ids().toString());
    assertTrue(c.ids().contains(BuiltinModels.RANDOM_RESNET18));
    ModelSpec m = c.get("mobilenetv2-imagenet");
    assertEquals(1280, m.embeddingDim());
    assertEquals(new ModelSpec.Input(3, 224, 256), m.input());
    assertEquals(0.229f, m.normalization().std()[0]);
    assertEquals(2_200_000L, m.declaredParams());
    assertTrue(Files.isRegularFile(c.modelFile(m)));
    String d = c.digest("mobilenetv2-imagenet");
    assertEquals(64, d.length());
    assertEquals(d, c.digest("mobilenetv2-imagenet"), "cached digest is stable");
    assertTrue(c.modelKey("mobilenetv2-imagenet").matches("mobilenetv2-imagenet-[0-9a-f]{12}"));
  }

  @Test
  void builtinIsAlwaysThere() {
    ModelCatalog c = ModelCatalog.builtinOnly();
    ModelSpec r = c.get(BuiltinModels.RANDOM_RESNET18);
    assertEquals(512, r.embeddingDim());
    assertEquals(224, r.input().size());
    String d = c.digest(r);
    assertEquals(d, ModelCatalog.builtinOnly().digest(BuiltinModels.RANDOM_RESNET18));
    assertNotEquals(d, c.digest(r.withInput(112, 128)), "input size is part of the digest");
  }

  @Test
  void unknownIdListsKnownOnesAndHowToAdd() {
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> ModelCatalog.load(TestModels.fixtureCatalog()).get("dinov2"));
    assertTrue(e.getMessage().contains("unknown model 'dinov2'"), e.getMessage());
    assertTrue(e.getMessage().contains("tiny-cnn"), e.getMessage());
    assertTrue(e.getMessage().contains(BuiltinModels.RANDOM_RESNET18), e.getMessage());
    assertTrue(e.getMessage().contains("model.json"), e.getMessage());
  }

  @Test
  void badModelJsonNamesFileAndField(@TempDir Path dir) throws IOException {
    assertBad(dir, GOOD.replace("\"embedding_dim\": 8,", ""), "embedding_dim");
    assertBad(dir, GOOD.replace("\"finetune_lr\"", "\"finetune_rate\""), "finetune_rate");
    assertBad(dir, GOOD.replace("\"size\": 224", "\"size\": 300"), "input.size");
    assertBad(dir, GOOD.replace("[0.229, 0.224, 0.225]", "[0.2, 0.2]"), "normalization.std");
    assertBad(dir, GOOD.replace("\"channels\": 3", "\"channels\": \"3\""), "input.channels");
    assertBad(dir, GOOD.replace("torchscript", "onnx"), "format");
    assertBad(dir, GOOD.replace("\"id\": \"m1\"", "\"id\": \"m2\""), "id");
    assertBad(dir, GOOD.replace("encoder.pt", "missing.pt"), "file");
    assertBad(dir, GOOD.replace("encoder.pt", "https://example.org/e.pt"), "file");
    assertBad(dir, "{not json", "JSON");
    // finetune_head: a head on the embedding has its width; a module of its own must be there.
    assertBad(
        dir,
        GOOD.replace(
            "\"finetune_lr\"",
            "\"finetune_head\": {\"dim\": 16," + " \"init_std\": 0.02}, \"finetune_lr\""),
        "finetune_head.dim");
    assertBad(
        dir,
        GOOD.replace("\"finetune_lr\"", "\"finetune_head\": {\"dim\": 8}," + " \"finetune_lr\""),
        "finetune_head.init_std");
    assertBad(
        dir,
        GOOD.replace(
            "\"finetune_lr\"",
            "\"finetune_head\": {\"init_std\": 0.02," + " \"bias\": 0}, \"finetune_lr\""),
        "finetune_head.bias");
    assertBad(
        dir,
        GOOD.replace(
            "\"finetune_lr\"",
            "\"finetune_head\": {\"file\": \"head.pt\","
                + " \"dim\": 16, \"init_std\": 0.02}, \"finetune_lr\""),
        "finetune_head.file");
  }

  @Test
  void aFinetuneHeadIsReadAndWithoutOneTheHeadReadsTheEmbedding(@TempDir Path dir)
      throws IOException {
    Path folder = Files.createDirectories(dir.resolve("m1"));
    Files.write(folder.resolve("encoder.pt"), new byte[] {1, 2, 3});
    Files.write(folder.resolve("head.pt"), new byte[] {4, 5, 6});
    Files.writeString(
        folder.resolve("model.json"),
        GOOD.replace(
            "\"finetune_lr\"",
            "\"finetune_head\": {\"file\": \"head.pt\", \"dim\": 16, \"init_std\": 0.02,"
                + " \"hf_class\": \"Dinov2ForImageClassification\"}, \"finetune_lr\""));
    ModelSpec spec = ModelCatalog.load(dir).get("m1");
    assertEquals(
        new ModelSpec.FinetuneHead("head.pt", 16, 0.02, "Dinov2ForImageClassification", null),
        spec.finetuneHead());
    assertEquals(16, spec.headInputDim());
    assertEquals(8, spec.embeddingDim());
    assertEquals(spec.finetuneHead(), spec.withInput(96, 110).finetuneHead(), "kept by a preset");
    Files.writeString(folder.resolve("model.json"), GOOD);
    ModelSpec plain = ModelCatalog.load(dir).get("m1");
    assertEquals(null, plain.finetuneHead());
    assertEquals(8, plain.headInputDim());
  }

  private static void assertBad(Path dir, String json, String field) throws IOException {
    Path folder = Files.createDirectories(dir.resolve("m1"));
    Files.writeString(folder.resolve("model.json"), json);
    Files.write(folder.resolve("encoder.pt"), new byte[] {1, 2, 3});
    BadInputException e = assertThrows(BadInputException.class, () -> ModelCatalog.load(dir));
    assertTrue(e.getMessage().contains(folder.resolve("model.json").toString()), e.getMessage());
    assertTrue(e.getMessage().contains(field), e.getMessage());
    ModelCatalog lenient = ModelCatalog.scan(dir);
    assertEquals(1, lenient.problems().size());
    assertTrue(lenient.ids().contains(BuiltinModels.RANDOM_RESNET18));
  }

  @Test
  void digestFollowsFileContentAndPreprocessing(@TempDir Path dir) throws IOException {
    Path folder = Files.createDirectories(dir.resolve("m1"));
    Files.writeString(folder.resolve("model.json"), GOOD);
    Path file = folder.resolve("encoder.pt");
    Files.write(file, new byte[] {1, 2, 3});
    ModelCatalog c = ModelCatalog.load(dir);
    String d1 = c.digest("m1");
    Files.write(file, new byte[] {1, 2, 4});
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    String d2 = c.digest("m1");
    assertNotEquals(d1, d2);
    assertNotEquals(d2, c.digest(c.get("m1").withInput(200, 256)));

    String sha = ModelCatalog.sha256Hex(new byte[] {1, 2, 4});
    Files.writeString(
        folder.resolve("model.json"),
        GOOD.replace("\"file\"", "\"sha256\": \"" + sha + "\", \"file\""));
    assertEquals(d2, ModelCatalog.load(dir).digest("m1"), "sha256 checks, not changes, the key");
    Files.writeString(
        folder.resolve("model.json"),
        GOOD.replace("\"file\"", "\"sha256\": \"" + "0".repeat(64) + "\", \"file\""));
    BadInputException e =
        assertThrows(BadInputException.class, () -> ModelCatalog.load(dir).digest("m1"));
    assertTrue(e.getMessage().contains("sha256"), e.getMessage());
  }

  @Test
  void fixtureCatalogHasTinyCnn() {
    ModelCatalog c = ModelCatalog.load(TestModels.fixtureCatalog());
    ModelSpec t = c.get("tiny-cnn");
    assertEquals(16, t.embeddingDim());
    assertEquals(new ModelSpec.Input(3, 64, 64), t.input());
  }
}
