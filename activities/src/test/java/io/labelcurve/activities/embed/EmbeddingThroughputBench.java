package io.labelcurve.activities.embed;

import ai.djl.Device;
import io.labelcurve.activities.model.BuiltinModels;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.TestModels;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Encoder throughput on this machine; runs only with {@code -Dlabelcurve.bench=true} (and
 * optionally {@code -Dlabelcurve.torch.threads=N}). Prints images/s of the encoder alone and of a
 * whole extraction (decode + preprocess + inference + storage in memory).
 */
class EmbeddingThroughputBench {

  @Test
  void throughput() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("labelcurve.bench"), "-Dlabelcurve.bench=true");
    List<ModelSpec> specs = new ArrayList<>();
    ModelCatalog catalog =
        Files.isDirectory(TestModels.sharedModels())
            ? ModelCatalog.load(TestModels.sharedModels())
            : ModelCatalog.builtinOnly();
    if (catalog.contains("mobilenetv2-imagenet")) {
      specs.add(catalog.get("mobilenetv2-imagenet"));
    }
    specs.add(catalog.get(BuiltinModels.RANDOM_RESNET18));
    EmbeddingExtractorTest.Loader loader = new EmbeddingExtractorTest.Loader();
    for (ModelSpec spec : specs) {
      try (Encoder enc = Encoders.open(catalog, spec, Device.cpu())) {
        Preprocessor prep = new Preprocessor(spec);
        for (int batch : new int[] {16, 32}) {
          List<float[]> in = new ArrayList<>();
          for (int i = 0; i < batch; i++) {
            in.add(prep.apply(loader.load("img-" + i)));
          }
          enc.embed(in); // warm-up: TorchScript profiles the first calls of a shape
          enc.embed(in);
          int reps = 3;
          long t = System.nanoTime();
          for (int r = 0; r < reps; r++) {
            enc.embed(in);
          }
          double s = (System.nanoTime() - t) / 1e9;
          System.out.printf(
              Locale.ROOT,
              "BENCH %s input %d batch %d threads %d: encoder %.1f img/s%n",
              spec.id(),
              spec.input().size(),
              batch,
              Encoders.intraOpThreads(),
              reps * batch / s);
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          ids.add("img-" + i);
        }
        ExtractionResult r =
            EmbeddingExtractor.run(
                ExtractionJob.builder()
                    .ids(ids)
                    .loader(loader)
                    .encoder(enc)
                    .store(new InMemoryBlobStore())
                    .prefix("embeddings/x/y/z/")
                    .provenance(spec.id(), "d", "y", "z")
                    .shardSize(64)
                    .batchSize(32)
                    .decodeThreads(1)
                    .build());
        System.out.printf(
            Locale.ROOT,
            "BENCH %s extraction 64 images batch 32: %.1f img/s (inference %.2f s, decode %.2f s,"
                + " storage %.2f s, wall %.2f s)%n",
            spec.id(),
            r.imagesPerSecond(),
            r.inferenceSeconds(),
            r.decodeSeconds(),
            r.storageSeconds(),
            r.wallSeconds());
      }
    }
  }
}
