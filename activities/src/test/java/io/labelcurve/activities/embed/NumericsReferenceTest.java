package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.TestModels;
import io.labelcurve.activities.npy.Npy;
import io.labelcurve.activities.torch.TorchRuntime;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real MobileNetV2 against PyTorch's own embeddings (issue 12): DJL at batch 1, 8 and the
 * workers' 64 must give what Debian's PyTorch 1.13 gave one image at a time and as a batch of 8
 * (fixtures made by activities/src/test/python/make_numerics_reference.py from the shared model's
 * check inputs). Without the oneDNN cap this machine's AVX-512 kernels gave cosines of 0.94 at
 * batch 8; run with {@code ONEDNN_MAX_CPU_ISA=ALL} in the environment to see it fail.
 */
class NumericsReferenceTest {
  private static final String MODEL = "mobilenetv2-imagenet";

  @Test
  void mobileNetMatchesPyTorchAtBatchOneEightAndTheWorkersBatch() throws Exception {
    Path shared = TestModels.sharedModels();
    assumeTrue(
        Files.isRegularFile(shared.resolve(MODEL).resolve(ExportCheck.INPUT)),
        "needs " + shared + "/" + MODEL + " with its check inputs");
    ModelCatalog catalog = ModelCatalog.load(shared);
    ModelSpec spec = catalog.get(MODEL);
    float[][] inputs =
        Npy.readFloats(Files.newInputStream(shared.resolve(MODEL).resolve(ExportCheck.INPUT)));
    float[][] torchBatch1 = fixture(MODEL + "-batch1.npy");
    float[][] torchBatch8 = fixture(MODEL + "-batch8.npy");
    assertEquals(8, inputs.length);

    try (Encoder encoder = Encoders.open(catalog, spec, Device.cpu())) {
      for (int i = 0; i < inputs.length; i++) {
        float[] alone = encoder.embed(List.of(inputs[i]))[0];
        assertClose("batch 1, image " + i, torchBatch1[i], alone);
      }
      float[][] eight = encoder.embed(Arrays.asList(inputs));
      for (int i = 0; i < inputs.length; i++) {
        assertClose("batch 8, image " + i, torchBatch8[i], eight[i]);
      }
      List<float[]> workerBatch = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        workerBatch.add(inputs[i % inputs.length]);
      }
      float[][] many = encoder.embed(workerBatch);
      for (int i = 0; i < many.length; i++) {
        assertClose("batch 64, row " + i, torchBatch1[i % inputs.length], many[i]);
      }
    }
  }

  @Test
  void theCanaryPassesHereAndRecordsTheEngineSettings() {
    Path shared = TestModels.sharedModels();
    assumeTrue(
        Files.isRegularFile(shared.resolve(MODEL).resolve(ExportCheck.INPUT)),
        "needs " + shared + "/" + MODEL);
    ModelCatalog catalog = ModelCatalog.load(shared);
    try (Encoder encoder = Encoders.open(catalog, catalog.get(MODEL), Device.cpu())) {
      NumericsCanary.Report r =
          NumericsCanary.verify(encoder, catalog.folder(MODEL), 16, "cpu()", () -> {});
      assertTrue(
          r.passed() && r.reference().startsWith("PyTorch reference (8 images)"), r.summary());
      TorchRuntime.Numerics n = r.numerics();
      assertEquals("PyTorch", n.engine());
      assertTrue(n.oneDnnVersion().contains("v3."), n.describe());
      assertTrue(r.provenance().contains("ONEDNN_MAX_CPU_ISA=" + n.maxCpuIsa()), r.provenance());
      if (System.getenv(TorchRuntime.ISA_VARIABLE) == null) {
        assertEquals(TorchRuntime.DEFAULT_MAX_ISA, n.maxCpuIsa(), n.describe());
        assertEquals("labelcurve default", n.isaSource());
      }
    }
  }

  private static float[][] fixture(String name) throws Exception {
    try (InputStream in = NumericsReferenceTest.class.getResourceAsStream("/numerics/" + name)) {
      return Npy.readFloats(in);
    }
  }

  /** numpy.allclose with ExportCheck's tolerances, and a cosine of at least 0.9999. */
  private static void assertClose(String what, float[] want, float[] got) {
    assertEquals(want.length, got.length, what);
    double dot = 0;
    double ww = 0;
    double gg = 0;
    double worst = 0;
    for (int i = 0; i < want.length; i++) {
      double d = Math.abs(got[i] - want[i]);
      worst = Math.max(worst, d - (ExportCheck.ATOL + ExportCheck.RTOL * Math.abs(want[i])));
      dot += (double) want[i] * got[i];
      ww += (double) want[i] * want[i];
      gg += (double) got[i] * got[i];
    }
    double cos = dot / Math.sqrt(ww * gg);
    assertTrue(
        worst <= 0 && cos >= NumericsCanary.MIN_COSINE,
        what
            + ": cosine to PyTorch "
            + cos
            + ", worst excess over allclose "
            + worst
            + " ("
            + TorchRuntime.numerics().describe()
            + ")");
  }
}
