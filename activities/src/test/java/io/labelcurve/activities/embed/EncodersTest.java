package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.model.BuiltinModels;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.TestModels;
import io.labelcurve.activities.npy.Npy;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncodersTest {

  /** The reference images of deploy/models/make_tiny_encoder.py. */
  static GreyImage referenceImage(int k) {
    float[] p = new float[256 * 256];
    for (int y = 0; y < 256; y++) {
      for (int x = 0; x < 256; x++) {
        double v = 0.5 + 0.5 * Math.sin(0.045 * (k + 1) * x + 0.031 * (k % 2 + 1) * y);
        if (k == 2) {
          v = v * (((x / 32) + (y / 32)) % 2 * 0.5 + 0.5);
        }
        p[y * 256 + x] = (float) v;
      }
    }
    return new GreyImage(256, 256, p);
  }

  @Test
  void tinyTorchScriptMatchesPyTorch() throws Exception {
    ModelCatalog catalog = ModelCatalog.load(TestModels.fixtureCatalog());
    ModelSpec spec = catalog.get("tiny-cnn");
    float[][] ref;
    try (InputStream in =
        getClass().getResourceAsStream("/models/tiny-cnn/reference-embeddings.npy")) {
      ref = Npy.readFloats(in);
    }
    Preprocessor prep = new Preprocessor(spec);
    List<float[]> batch = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      batch.add(prep.apply(referenceImage(k)));
    }
    try (Encoder enc = Encoders.open(catalog, spec, Device.cpu())) {
      assertEquals(16, enc.dim());
      assertEquals(1392, enc.params());
      float[][] got = enc.embed(batch);
      assertEquals(3, got.length);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(ref[i], got[i], 1e-4f, "image " + i);
      }
      float[][] single = enc.embed(List.of(batch.get(1)));
      assertArrayEquals(got[1], single[0], 1e-5f, "batch size does not change a row");
    }
  }

  @Test
  void mobilenetGives1280() {
    Path shared = TestModels.sharedModels();
    Assumptions.assumeTrue(
        Files.isDirectory(shared.resolve("mobilenetv2-imagenet")),
        "../shared/models not found: " + shared);
    ModelCatalog catalog = ModelCatalog.load(shared);
    ModelSpec spec = catalog.get("mobilenetv2-imagenet");
    Preprocessor prep = new Preprocessor(spec);
    try (Encoder enc = Encoders.open(catalog, spec, Device.cpu())) {
      float[][] e =
          enc.embed(
              List.of(
                  prep.apply(referenceImage(0)),
                  prep.apply(referenceImage(1)),
                  prep.apply(referenceImage(2))));
      assertEquals(3, e.length);
      assertEquals(1280, e[0].length);
      assertTrue(enc.params() > 2_000_000 && enc.params() < 2_600_000, "params " + enc.params());
      assertFalse(java.util.Arrays.equals(e[0], e[1]));
    }
  }

  @Test
  void randomResnet18IsDeterministic() {
    ModelCatalog catalog = ModelCatalog.builtinOnly();
    ModelSpec spec = catalog.get(BuiltinModels.RANDOM_RESNET18).withInput(64, 64);
    Preprocessor prep = new Preprocessor(spec);
    List<float[]> batch = List.of(prep.apply(referenceImage(0)), prep.apply(referenceImage(2)));
    float[][] a;
    float[][] b;
    try (Encoder enc = Encoders.open(catalog, spec, Device.cpu())) {
      assertEquals(512, enc.dim());
      assertTrue(enc.params() > 11_000_000 && enc.params() < 11_300_000, "params " + enc.params());
      a = enc.embed(batch);
    }
    try (Encoder enc = Encoders.open(catalog, spec, Device.cpu())) {
      b = enc.embed(batch);
    }
    assertEquals(512, a[0].length);
    for (int i = 0; i < a.length; i++) {
      assertArrayEquals(a[i], b[i], "row " + i);
      for (float v : a[i]) {
        assertTrue(Float.isFinite(v));
      }
    }
    assertFalse(java.util.Arrays.equals(a[0], a[1]));
  }

  @Test
  void batchesOnOtherThreadsRunWithoutGradAndLeakNothing() throws Exception {
    ModelCatalog catalog = ModelCatalog.load(TestModels.fixtureCatalog());
    ModelSpec spec = catalog.get("tiny-cnn");
    Preprocessor prep = new Preprocessor(spec);
    float[] x = prep.apply(referenceImage(0));
    try (DjlEncoder enc = (DjlEncoder) Encoders.open(catalog, spec, Device.cpu())) {
      int before = enc.managedArrays();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      boolean[] gradOnFreshThread = new boolean[2];
      Thread t =
          new Thread(
              () -> {
                try {
                  gradOnFreshThread[0] = JniUtils.isGradMode();
                  for (int i = 0; i < 50; i++) {
                    enc.embed(List.of(x, x, x, x));
                  }
                  gradOnFreshThread[1] = JniUtils.isGradMode();
                } catch (Throwable e) {
                  failure.set(e);
                }
              });
      t.start();
      t.join();
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      assertTrue(gradOnFreshThread[0], "PyTorch's grad mode is on by default on a new thread");
      assertTrue(gradOnFreshThread[1], "the encoder restores the thread's grad mode");
      assertEquals(before, enc.managedArrays(), "no NDArray outlives its batch");
    }
  }

  @Test
  void wrongEmbeddingDimIsRefusedAtOpen(@TempDir Path dir) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("tiny-cnn"));
    Path fixture = TestModels.fixtureCatalog().resolve("tiny-cnn");
    Files.copy(fixture.resolve("encoder.pt"), folder.resolve("encoder.pt"));
    Files.writeString(
        folder.resolve("model.json"),
        Files.readString(fixture.resolve("model.json"))
            .replace("\"embedding_dim\": 16", "\"embedding_dim\": 17"));
    ModelCatalog catalog = ModelCatalog.load(dir);
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> Encoders.open(catalog, catalog.get("tiny-cnn"), Device.cpu()));
    assertTrue(e.getMessage().contains("embedding_dim"), e.getMessage());
    assertTrue(e.getMessage().contains("model.json"), e.getMessage());
  }

  @Test
  void notTorchScriptIsRefused(@TempDir Path dir) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("tiny-cnn"));
    Files.writeString(folder.resolve("encoder.pt"), "not a model");
    Files.copy(
        TestModels.fixtureCatalog().resolve("tiny-cnn/model.json"), folder.resolve("model.json"));
    ModelCatalog catalog = ModelCatalog.load(dir);
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () -> Encoders.open(catalog, catalog.get("tiny-cnn"), Device.cpu()));
    assertTrue(e.getMessage().contains("TorchScript"), e.getMessage());
  }

  /** A module traced with its size baked in, given a smaller input by a preset. */
  @Test
  void aModelThatTakesOnlyItsOwnSizeIsRefusedWithTheSizeAndTheFix() throws Exception {
    Path folder =
        Path.of(getClass().getResource("/fixed-size/fixed64/model.json").toURI()).getParent();
    ModelCatalog catalog = ModelCatalog.load(folder.getParent());
    ModelSpec spec = catalog.get("fixed64");
    try (Encoder enc = Encoders.open(spec, folder, Device.cpu())) {
      assertEquals(4, enc.dim());
    }
    ModelSpec smaller = spec.withInput(48, 48);
    BadInputException e =
        assertThrows(BadInputException.class, () -> Encoders.open(smaller, folder, Device.cpu()));
    assertTrue(
        e.getMessage().contains("'fixed64'")
            && e.getMessage().contains("3x48x48")
            && e.getMessage().contains("encoder.pt")
            && e.getMessage().contains("paper preset"),
        e.getMessage());
  }
}
