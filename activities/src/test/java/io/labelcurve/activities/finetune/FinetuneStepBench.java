package io.labelcurve.activities.finetune;

import ai.djl.Device;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.model.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Seconds per finetuning step at the cpu-small preset (docs/BENCHMARKS.md). Not part of the suite
 * (no *Test name); run with {@code -Dtest=FinetuneStepBench}.
 */
class FinetuneStepBench {
  private static final java.util.Map<String, GreyImage> IMAGES =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A synthetic 256×256 image from the id, made once: computing one costs about as much as a
   * MobileNetV2 step on it, and the loader thread would otherwise set the pace being measured.
   */
  static GreyImage image(String id) {
    return IMAGES.computeIfAbsent(id, FinetuneStepBench::draw);
  }

  private static GreyImage draw(String id) {
    int h = id.hashCode();
    float[] px = new float[256 * 256];
    for (int i = 0; i < px.length; i++) {
      px[i] =
          (float)
              (0.5
                  + 0.5
                      * Math.sin(
                          ((h & 0xff) + 1) * 0.01 * (i % 256)
                              + ((h >> 8 & 0xff) + 1) * 0.007 * (i / 256)));
    }
    return new GreyImage(256, 256, px);
  }

  @Test
  void secondsPerStep() throws Exception {
    Preset p = Preset.CPU_SMALL;
    // -Dbench.models=a,b picks models.
    List<String> models =
        new ArrayList<>(
            List.of(
                System.getProperty("bench.models", "tiny-cnn,mobilenetv2-imagenet,resnet50-scratch")
                    .split(",")));
    Path shared = TestModels.sharedModels();
    ModelCatalog fixture = ModelCatalog.load(TestModels.fixtureCatalog());
    ModelCatalog sharedCatalog = Files.isDirectory(shared) ? ModelCatalog.load(shared) : null;
    if (sharedCatalog == null || !sharedCatalog.contains("mobilenetv2-imagenet")) {
      models.remove("mobilenetv2-imagenet");
    }
    // The first steps are slower (oneDNN builds its kernels per shape): "then" is steps 6 to 16.
    int batches = 16;
    int warm = 5;
    List<String> ids = new ArrayList<>();
    int[] labels = new int[p.finetuneBatchSize() * batches];
    for (int i = 0; i < labels.length; i++) {
      ids.add("img-" + i + ".png");
      labels[i] = i % 10;
    }
    ids.forEach(FinetuneStepBench::image);
    // -Dbench.catalog=DIR: the models of another catalog (e.g. deploy/models/export.py's).
    String other = System.getProperty("bench.catalog");
    ModelCatalog otherCatalog = other == null ? null : ModelCatalog.load(Path.of(other));
    for (String id : models) {
      ModelCatalog c =
          otherCatalog != null && otherCatalog.contains(id)
              ? otherCatalog
              : fixture.contains(id) && !id.equals("mobilenetv2-imagenet")
                  ? fixture
                  : sharedCatalog == null ? ModelCatalog.builtinOnly() : sharedCatalog;
      ModelSpec spec = p.applyFinetune(c.get(id));
      FinetuneConfig cfg =
          new FinetuneConfig(
              spec,
              c.folder(id).orElse(null),
              10,
              spec.finetuneLr(),
              p.finetuneBatchSize(),
              1,
              1,
              1000,
              1,
              Device.cpu());
      long[] t = new long[batches + 1];
      FinetuneTrainer trainer = new FinetuneTrainer(cfg, FinetuneStepBench::image);
      t[0] = System.nanoTime();
      FinetuneRun run =
          trainer.train(
              ids,
              labels,
              null,
              null,
              new TrainingListener() {
                @Override
                public void onStep(long step, long total, int epoch, double loss, double lr) {
                  t[(int) step] = System.nanoTime();
                }
              });
      long params = run.model().params();
      run.model().close();
      double first = (t[1] - t[0]) / 1e9;
      double rest = (t[batches] - t[warm]) / 1e9 / (batches - warm);
      System.out.printf(
          Locale.ROOT,
          "BENCH %s input %d batch %d: first step %.2f s, then %.3f s/step"
              + " (%.1f ms/image), params %d; steps alone (no loader wait) %.3f s/step%n",
          id,
          spec.input().size(),
          p.finetuneBatchSize(),
          first,
          rest,
          rest * 1000 / p.finetuneBatchSize(),
          params,
          run.trainSeconds() / batches);
    }
  }
}
