package io.labelcurve.activities.embed;

import io.labelcurve.activities.NumericsCheckFailedException;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.torch.TorchRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Does this worker compute a model's numbers right, at the batch size it will use? Run once per
 * model, input size, device and batch size in a process, before the model's first real batch (issue
 * 12: a oneDNN kernel gave other embeddings at batch 8 than at batch 1, and nothing noticed).
 *
 * <p>Two comparisons, on a fixed canary set of inputs:
 *
 * <ul>
 *   <li><b>batch invariance</b>: each input alone (batch 1) against the same input inside a batch
 *       of the worker's size (the canary set repeated to fill it). An encoder in evaluation mode
 *       has no reason to depend on its neighbours in the batch; any difference beyond float
 *       rounding is a broken kernel.
 *   <li><b>the PyTorch reference</b>, where {@code export.py --check} left one beside the model
 *       ({@value ExportCheck#INPUT}, {@value ExportCheck#OUTPUT}: PyTorch's embeddings at batch 1,
 *       checked by the exporter to be the same at its other batch sizes) and the input size is the
 *       reference's: both batch sizes against it. Elsewhere the canary inputs are a deterministic
 *       ultrasound-like sector, preprocessed as the model's images are.
 * </ul>
 *
 * <p>Tolerances are {@link ExportCheck}'s allclose ({@code rtol} 1e-3, {@code atol} 1e-4) and a
 * cosine of at least {@value #MIN_COSINE} per row: two correct float32 kernels differ by about
 * 1e-6; the broken one gave cosines of 0.94.
 */
public final class NumericsCanary {
  private static final Logger log = LoggerFactory.getLogger(NumericsCanary.class);

  /** The least cosine between two computations of one embedding that counts as the same. */
  public static final double MIN_COSINE = 0.9999;

  /** Canary images when no reference is left beside the model. */
  static final int SYNTHETIC_INPUTS = 8;

  private static final Map<String, Report> PASSED = new ConcurrentHashMap<>();

  private NumericsCanary() {}

  /**
   * What the canary found.
   *
   * @param model catalog id
   * @param inputSize the input size it ran at
   * @param device where it ran
   * @param batch the batch size compared with batch 1
   * @param inputs canary images
   * @param batchCosine the least cosine between a row at batch 1 and at {@code batch}
   * @param batchMaxDiff the largest |difference| between them
   * @param batchClose whether every value was within tolerance
   * @param reference "PyTorch reference (N images)" or "none beside the model" / why not used
   * @param referenceCosine the least cosine to the reference at either batch size (NaN: none)
   * @param referenceMaxDiff the largest |difference| to it (NaN: none)
   * @param referenceClose whether every value was within tolerance (true when there is none)
   * @param numerics the engine settings and CPU it ran under
   */
  public record Report(
      String model,
      int inputSize,
      String device,
      int batch,
      int inputs,
      double batchCosine,
      double batchMaxDiff,
      boolean batchClose,
      String reference,
      double referenceCosine,
      double referenceMaxDiff,
      boolean referenceClose,
      TorchRuntime.Numerics numerics) {

    public boolean passed() {
      return batchClose && referenceClose;
    }

    /** One line: what was compared and how close it was. */
    public String summary() {
      String s =
          String.format(
              Locale.ROOT,
              "batch 1 vs %d: min cosine %.6f, max |diff| %.2e (%s)",
              batch,
              batchCosine,
              batchMaxDiff,
              batchClose ? "invariant" : "DIFFERS");
      if (!Double.isNaN(referenceMaxDiff)) {
        s +=
            String.format(
                Locale.ROOT,
                "; %s: min cosine %.6f, max |diff| %.2e (%s)",
                reference,
                referenceCosine,
                referenceMaxDiff,
                referenceClose ? "matches" : "DIFFERS");
      } else {
        s += "; " + reference;
      }
      return s;
    }

    /** The summary and the engine line: what every result computed after it records. */
    public String provenance() {
      return summary() + "; " + numerics.describe();
    }

    /** The failure message: everything needed to tell which build and machine computes wrong. */
    public String failure() {
      return "numerics check failed for model '"
          + model
          + "' at "
          + inputSize
          + " px on "
          + device
          + ": "
          + summary()
          + ". Engine: "
          + numerics.describe()
          + ". These numbers"
          + " would be wrong, so no embedding or finetune result is computed with them. If "
          + TorchRuntime.ISA_VARIABLE
          + " is set in this worker's environment, unset it (labelcurve"
          + " then caps oneDNN at "
          + TorchRuntime.DEFAULT_MAX_ISA
          + "); otherwise run this model"
          + " on another worker type and report the engine line above (docs/BENCHMARKS.md,"
          + " 'Numerics').";
    }
  }

  /**
   * The canary of an encoder's forward pass, run once per (model, size, device, batch) in this
   * process and then remembered; a failure is thrown every time.
   *
   * @param forward the model's evaluation path: CHW inputs to one row each
   * @param modelFolder the model's catalog folder (for the reference), empty for a built-in
   * @param progress called after every forward pass (an activity heartbeats there: the batch of
   *     {@code batch} images takes as long as one batch of the real work)
   * @throws NumericsCheckFailedException when the numbers are not right
   */
  public static Report verify(
      ModelSpec spec,
      Function<List<float[]>, float[][]> forward,
      Optional<Path> modelFolder,
      int batch,
      String device,
      Runnable progress) {
    String key = spec.id() + "|" + spec.preprocessing() + "|" + device + "|" + batch;
    Report known = PASSED.get(key);
    if (known != null) {
      return known;
    }
    Report report = run(spec, forward, modelFolder, batch, device, progress);
    if (!report.passed()) {
      log.error(report.failure());
      throw new NumericsCheckFailedException(report.failure());
    }
    log.info(
        "{} at {} px on {}: numerics canary passed, {}",
        spec.id(),
        spec.input().size(),
        device,
        report.summary());
    PASSED.put(key, report);
    return report;
  }

  /** The canary of an {@link Encoder}'s forward pass; see the general {@code verify}. */
  public static Report verify(
      Encoder encoder, Optional<Path> modelFolder, int batch, String device, Runnable progress) {
    return verify(encoder.spec(), encoder::embed, modelFolder, batch, device, progress);
  }

  /** Runs the comparisons without remembering or throwing. */
  public static Report run(
      ModelSpec spec,
      Function<List<float[]>, float[][]> forward,
      Optional<Path> modelFolder,
      int batch,
      String device,
      Runnable progress) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    }
    Optional<ExportCheck.Reference> ref =
        modelFolder.flatMap(f -> ExportCheck.read(f, spec.input().channels(), spec.input().size()));
    List<float[]> inputs =
        ref.isPresent() ? Arrays.asList(ref.get().inputs()) : syntheticInputs(spec);
    float[][] single = new float[inputs.size()][];
    for (int i = 0; i < inputs.size(); i++) {
      single[i] = forward.apply(List.of(inputs.get(i)))[0];
      progress.run();
    }
    List<float[]> batched = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      batched.add(inputs.get(i % inputs.size()));
    }
    float[][] many = forward.apply(batched);
    progress.run();
    Agreement inBatch = new Agreement();
    for (int r = 0; r < many.length; r++) {
      inBatch.add(single[r % single.length], many[r]);
    }
    Agreement toRef = new Agreement();
    String reference;
    if (ref.isPresent()) {
      float[][] want = ref.get().outputs();
      for (int r = 0; r < want.length; r++) {
        toRef.add(want[r], single[r]);
      }
      for (int r = 0; r < many.length; r++) {
        toRef.add(want[r % want.length], many[r]);
      }
      reference = "PyTorch reference (" + want.length + " images)";
    } else {
      reference =
          modelFolder.isPresent() && ExportCheck.present(modelFolder.get())
              ? "PyTorch reference not used: it is for another input size than "
                  + spec.input().size()
                  + " px"
              : "no PyTorch reference beside the model (deploy/models/export.py --check leaves one)";
    }
    return new Report(
        spec.id(),
        spec.input().size(),
        device,
        batch,
        inputs.size(),
        inBatch.minCosine,
        inBatch.maxDiff,
        inBatch.close(),
        reference,
        toRef.rows == 0 ? Double.NaN : toRef.minCosine,
        toRef.rows == 0 ? Double.NaN : toRef.maxDiff,
        toRef.close(),
        TorchRuntime.numerics());
  }

  /** Running comparison of rows against expected rows. */
  private static final class Agreement {
    int rows;
    double minCosine = 1;
    double maxDiff;
    double worstExcess = Double.NEGATIVE_INFINITY;

    void add(float[] want, float[] got) {
      if (want.length != got.length) {
        throw new IllegalStateException(
            "rows of " + want.length + " and " + got.length + " values");
      }
      rows++;
      double dot = 0;
      double ww = 0;
      double gg = 0;
      for (int i = 0; i < want.length; i++) {
        double d = Math.abs(got[i] - want[i]);
        maxDiff = Math.max(maxDiff, Double.isNaN(d) ? Double.POSITIVE_INFINITY : d);
        worstExcess =
            Math.max(
                worstExcess,
                Double.isNaN(d)
                    ? Double.POSITIVE_INFINITY
                    : d - (ExportCheck.ATOL + ExportCheck.RTOL * Math.abs(want[i])));
        dot += (double) want[i] * got[i];
        ww += (double) want[i] * want[i];
        gg += (double) got[i] * got[i];
      }
      // Two all-zero rows are the same embedding.
      double cos = ww == 0 && gg == 0 ? 1 : dot / Math.sqrt(ww * gg);
      minCosine = Math.min(minCosine, Double.isNaN(cos) ? -1 : cos);
    }

    boolean close() {
      return rows == 0 || (worstExcess <= 0 && minCosine >= MIN_COSINE);
    }
  }

  /**
   * {@value #SYNTHETIC_INPUTS} deterministic grey frames shaped like an ultrasound sector (a bright
   * fan of speckle with a dark cavity, a different angle each), preprocessed as the model's own
   * images are: realistic enough to reach every kernel an echo frame reaches.
   */
  static List<float[]> syntheticInputs(ModelSpec spec) {
    Preprocessor pre = new Preprocessor(spec);
    List<float[]> inputs = new ArrayList<>(SYNTHETIC_INPUTS);
    int side = 256;
    for (int k = 0; k < SYNTHETIC_INPUTS; k++) {
      SplittableRandom random = new SplittableRandom(0xCA7A_5EEDL + k);
      float[] px = new float[side * side];
      double tilt = (k - SYNTHETIC_INPUTS / 2.0) * 0.05;
      for (int y = 0; y < side; y++) {
        for (int x = 0; x < side; x++) {
          double dx = (x - side / 2.0) / side;
          double dy = (y + 8.0) / side;
          double r = Math.hypot(dx, dy);
          double angle = Math.atan2(dx, dy) - tilt;
          boolean inFan = Math.abs(angle) < 0.6 && r < 0.95;
          double cavity =
              Math.exp(
                  -Math.pow((r - 0.45 - 0.02 * k) / 0.12, 2) - Math.pow((angle - 0.1) / 0.2, 2));
          double tissue = inFan ? 0.55 + 0.35 * Math.sin(9 * r + k) * Math.cos(5 * angle) : 0;
          double v = inFan ? tissue * (1 - 0.9 * cavity) * (0.6 + 0.4 * random.nextDouble()) : 0;
          px[y * side + x] = (float) Math.max(0, Math.min(1, v));
        }
      }
      inputs.add(pre.apply(new GreyImage(side, side, px)));
    }
    return inputs;
  }
}
