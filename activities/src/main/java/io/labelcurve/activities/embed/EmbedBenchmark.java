package io.labelcurve.activities.embed;

import ai.djl.Device;
import io.labelcurve.activities.dataset.LocalImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.image.DatasetImages;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * End-to-end embedding throughput, as a sweep's extraction runs it: PNG files read and decoded (to
 * the protocol's 256×256 grey), preprocessed (resize, crop, channels, normalisation), run through
 * the encoder in batches, and stored as {@code .npy} shards in an S3 bucket (a local S3Proxy). The
 * images are the synthetic echo phantom's, generated once into a folder; their relative paths are
 * written to {@code images.txt} there so that {@code deploy/models/bench_torch.py} runs PyTorch on
 * exactly the same files.
 */
public final class EmbedBenchmark {
  private EmbedBenchmark() {}

  /**
   * @param images images embedded (and timed)
   * @param wallSeconds from the first image read to the manifest stored
   * @param threads PyTorch intra-op threads
   * @param decodeThreads threads reading, decoding and preprocessing ahead of the encoder
   */
  public record Result(
      String model,
      String device,
      int images,
      int batch,
      int threads,
      int decodeThreads,
      int inputSize,
      double wallSeconds,
      double decodeSeconds,
      double preprocessSeconds,
      double inferenceSeconds,
      double storageSeconds) {
    public double imagesPerSecond() {
      return images / wallSeconds;
    }

    @Override
    public String toString() {
      double sum = decodeSeconds + preprocessSeconds + inferenceSeconds + storageSeconds;
      return String.format(
          Locale.ROOT,
          "embed %s on %s: %d images (%d px) in %.2f s = %.1f images/s end to end "
              + "(batch %d, %d torch threads, %d decode threads)%n"
              + "  time (s, decode and preprocess summed over their threads, in parallel with "
              + "inference):%n"
              + "    decode %.2f (%.0f %%)  preprocess %.2f (%.0f %%)  inference %.2f (%.0f %%)"
              + "  storage %.2f (%.0f %%)%n"
              + "  inference alone: %.1f images/s, %.1f ms per image",
          model,
          device,
          images,
          inputSize,
          wallSeconds,
          imagesPerSecond(),
          batch,
          threads,
          decodeThreads,
          decodeSeconds,
          100 * decodeSeconds / sum,
          preprocessSeconds,
          100 * preprocessSeconds / sum,
          inferenceSeconds,
          100 * inferenceSeconds / sum,
          storageSeconds,
          100 * storageSeconds / sum,
          images / inferenceSeconds,
          1000 * inferenceSeconds / images);
    }
  }

  /**
   * The benchmark's PNG files: the phantom in {@code dataDir} (generated when missing), its first
   * {@code n} images in path order, listed in {@code dataDir/images.txt}.
   */
  public static List<String> images(Path dataDir, int n) throws IOException {
    Path manifestFile = dataDir.resolve("manifest.csv");
    PhantomGenerator.Scale scale =
        n <= 800 ? PhantomGenerator.Scale.SMALL : PhantomGenerator.Scale.MEDIUM;
    Path marker = dataDir.resolve("scale.txt");
    if (!Files.isRegularFile(manifestFile)
        || !Files.isRegularFile(marker)
        || (scale == PhantomGenerator.Scale.MEDIUM
            && !Files.readString(marker).strip().equals(scale.name()))) {
      PhantomGenerator.generate(dataDir, 1, scale);
      Files.writeString(marker, scale.name() + "\n");
    }
    Manifest manifest = ManifestReader.read(manifestFile);
    List<String> all = manifest.rows().stream().map(ManifestRow::image).sorted().toList();
    if (all.size() < n) {
      throw new IllegalArgumentException(
          "the phantom in " + dataDir + " has " + all.size() + " images, fewer than " + n);
    }
    List<String> ids = all.subList(0, n);
    Files.writeString(
        dataDir.resolve("images.txt"), String.join("\n", ids) + "\n", StandardCharsets.UTF_8);
    return ids;
  }

  /**
   * Embeds {@code ids} of {@code dataDir} with a catalog model after one warm-up batch.
   *
   * @param bucketDir S3Proxy's folder (emptied of earlier runs' embeddings by using a new prefix)
   */
  public static Result run(
      ModelCatalog catalog,
      String modelId,
      Path dataDir,
      List<String> ids,
      int batch,
      int decodeThreads,
      Path bucketDir,
      Device device)
      throws IOException {
    ModelSpec spec = catalog.get(modelId);
    try (EmbeddedS3 s3 = EmbeddedS3.start(bucketDir, 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bench"));
        Encoder encoder = Encoders.open(catalog, spec, device)) {
      DatasetImages loader =
          new DatasetImages(
              LocalImageSource.besides(dataDir.resolve("manifest.csv")), DatasetImages.SIZE, 0);
      Preprocessor pre = new Preprocessor(spec);
      // Warm-up: one batch through decode, preprocessing and the encoder (JIT, allocator).
      List<float[]> warm = new java.util.ArrayList<>();
      for (String id : ids.subList(0, Math.min(batch, ids.size()))) {
        warm.add(pre.apply(loader.load(id)));
      }
      encoder.embed(warm);
      String prefix = "bench/" + modelId + "-" + System.nanoTime() + "/";
      ExtractionResult r =
          EmbeddingExtractor.run(
              ExtractionJob.builder()
                  .ids(ids)
                  .loader(loader)
                  .encoder(encoder)
                  .preprocessor(pre)
                  .store(store)
                  .prefix(prefix)
                  .provenance(modelId, catalog.digest(spec), "bench", "bench")
                  .batchSize(batch)
                  .decodeThreads(decodeThreads)
                  .build());
      return new Result(
          modelId,
          String.valueOf(device == null ? Encoders.defaultDevice() : device),
          r.computed(),
          batch,
          Encoders.intraOpThreads(),
          decodeThreads,
          spec.input().size(),
          r.wallSeconds(),
          r.decodeSeconds(),
          r.preprocessSeconds(),
          r.inferenceSeconds(),
          r.storageSeconds());
    }
  }
}
