package io.labelcurve.activities.embed;

import ai.djl.Device;
import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.LocalImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.framestore.FrameImages;
import io.labelcurve.activities.framestore.FrameIndex;
import io.labelcurve.activities.framestore.FrameStoreBuilder;
import io.labelcurve.activities.framestore.FrameStoreLayout;
import io.labelcurve.activities.image.Augmentation;
import io.labelcurve.activities.image.DatasetImages;
import io.labelcurve.activities.image.ImageLoader;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.activities.storage.StandaloneS3;
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

  /**
   * One path of {@link #runNull}, over its passes.
   *
   * @param path what was timed
   * @param images images through it in one pass
   * @param wallSeconds wall-clock seconds of each pass
   * @param cpuSeconds CPU seconds of the worker's process over each pass (every thread, the GC's
   *     and the JIT's included)
   * @param storeCpuSeconds CPU seconds of the object store's process (S3Proxy) over each pass
   */
  public record PathTiming(
      String path,
      int images,
      double[] wallSeconds,
      double[] cpuSeconds,
      double[] storeCpuSeconds) {
    /** The pass of median worker CPU time. */
    private int median() {
      Integer[] order = new Integer[cpuSeconds.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(order, java.util.Comparator.comparingDouble(i -> cpuSeconds[i]));
      return order[order.length / 2];
    }

    /** Images per wall-second, in the median pass. */
    public double imagesPerSecond() {
      return images / wallSeconds[median()];
    }

    /** Images per CPU-second of the worker (the rate one of its cores sustains), median pass. */
    public double imagesPerCoreSecond() {
      return images / cpuSeconds[median()];
    }

    /** Images per CPU-second of the worker and the store together, in the median pass. */
    public double imagesPerCoreSecondWithStore() {
      int m = median();
      return images / (cpuSeconds[m] + storeCpuSeconds[m]);
    }

    /** Images per CPU-second of the worker in each pass, in the order they ran. */
    public double[] imagesPerCoreSecondByPass() {
      return java.util.Arrays.stream(cpuSeconds).map(c -> images / c).toArray();
    }

    @Override
    public String toString() {
      StringBuilder passes = new StringBuilder();
      for (double r : imagesPerCoreSecondByPass()) {
        passes.append(passes.length() == 0 ? "" : ", ").append(Math.round(r));
      }
      int m = median();
      return String.format(
          Locale.ROOT,
          "  %-66s %5.2f s wall, %5.2f s CPU (+ store %5.2f s): %7.1f images/s,"
              + " %7.1f images/s/core (%.1f with the store's CPU; passes: %s)",
          path,
          wallSeconds[m],
          cpuSeconds[m],
          storeCpuSeconds[m],
          imagesPerSecond(),
          imagesPerCoreSecond(),
          imagesPerCoreSecondWithStore(),
          passes);
    }
  }

  /** {@link #runNull}'s timings: per path, the pass of median CPU time. */
  public record NullResult(
      int images,
      int batch,
      int decodeThreads,
      int passes,
      List<PathTiming> paths,
      String machine) {
    @Override
    public String toString() {
      StringBuilder sb =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "embed null (no encoder: the pipeline alone), %d images a pass, median of %d"
                      + " passes, batch %d, %d decode threads; %s%n",
                  images,
                  passes,
                  batch,
                  decodeThreads,
                  machine));
      for (PathTiming p : paths) {
        sb.append(p).append(System.lineSeparator());
      }
      return sb.toString().stripTrailing();
    }
  }

  /**
   * The pipeline alone, with {@link NullEncoder}: the PNG files uploaded to a local S3 bucket, then
   * in each pass (1) extraction decoding the PNGs from the bucket as before the frame store, (2) a
   * new frame store built from them (another digest each pass, so that nothing of it is cached),
   * (3) extraction reading it, its shards fetched from the bucket, (4) the same with the shards in
   * the worker's cache, (5) the frames as {@code uint8} batches preprocessed with NDArray
   * operations (a GPU's part, on the CPU here). A warm-up pass on the first 256 images (JIT) comes
   * first; each path's figure is its pass of median CPU time.
   */
  public static NullResult runNull(
      Path dataDir, List<String> ids, int batch, int decodeThreads, int passes, Path bucketDir)
      throws IOException {
    // The bucket in a JVM of its own, as MinIO or S3 is on other machines than a GPU host's
    // worker: the worker's CPU per image is what says how many cores feed a GPU; the store's is
    // shown beside it.
    try (StandaloneS3 s3 = StandaloneS3.start(bucketDir);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bench"))) {
      String datasetKey = "datasets/bench-" + System.nanoTime() + "/";
      for (String id : ids) {
        store.putFile(datasetKey + id, dataDir.resolve(id));
      }
      BlobImageSource source = new BlobImageSource(store, datasetKey);
      // Two untimed passes first: the first passes of a cold JVM ran at a third of the later
      // ones' rate (JIT compilation, counted in the process's CPU time).
      for (int w = 0; w < WARM_UP_PASSES; w++) {
        nullPass(s3, store, source, ids, batch, decodeThreads, "warm" + w);
      }
      List<List<long[]>> byPass = new java.util.ArrayList<>();
      for (int p = 0; p < passes; p++) {
        byPass.add(nullPass(s3, store, source, ids, batch, decodeThreads, "pass" + p));
      }
      List<PathTiming> paths = new java.util.ArrayList<>();
      for (int k = 0; k < NULL_PATHS.size(); k++) {
        double[] wall = new double[passes];
        double[] cpu = new double[passes];
        double[] storeCpu = new double[passes];
        for (int p = 0; p < passes; p++) {
          wall[p] = byPass.get(p).get(k)[0] / 1e9;
          cpu[p] = byPass.get(p).get(k)[1] / 1e9;
          storeCpu[p] = byPass.get(p).get(k)[2] / 1e9;
        }
        paths.add(new PathTiming(NULL_PATHS.get(k), ids.size(), wall, cpu, storeCpu));
      }
      return new NullResult(
          ids.size(),
          batch,
          decodeThreads,
          passes,
          paths,
          Runtime.getRuntime().availableProcessors() + " processors");
    }
  }

  private static final int WARM_UP_PASSES = 2;

  /** {@link #runNull}'s paths, in the order a pass times them. */
  static final List<String> NULL_PATHS =
      List.of(
          "PNG in bucket -> decode -> Java prep -> vectors",
          "frame store build (PNG in bucket -> shards)",
          "frame store, shards from the bucket -> Java prep -> vectors",
          "frame store, shards cached -> Java prep -> vectors",
          "frame store, shards cached -> uint8 batch -> NDArray prep -> vectors");

  /**
   * One pass of every path: {wall, worker CPU, store CPU} nanoseconds each, in {@link #NULL_PATHS}'
   * order.
   */
  private static List<long[]> nullPass(
      StandaloneS3 s3,
      S3BlobStore store,
      BlobImageSource source,
      List<String> ids,
      int batch,
      int decodeThreads,
      String tag)
      throws IOException {
    NullEncoder encoder = new NullEncoder(false);
    NullEncoder framesEncoder = new NullEncoder(true);
    Preprocessor pre = new Preprocessor(encoder.spec());
    String run = tag + "-" + System.nanoTime();
    List<long[]> out = new java.util.ArrayList<>();

    long[] t = start(s3);
    extract(
        store,
        new DatasetImages(source, DatasetImages.SIZE, 0),
        encoder,
        pre,
        ids,
        batch,
        decodeThreads,
        "bench/null-png-" + run + "/");
    out.add(stop(s3, t));

    List<ManifestRow> rows = new java.util.ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      rows.add(new ManifestRow(i + 2, ids.get(i), "x", "s" + i, "train", null, null, null));
    }
    String digest = "bench-" + run;
    t = start(s3);
    FrameIndex index =
        FrameStoreBuilder.plan(
            store,
            new Manifest(store.uri(source.keyPrefix() + "manifest.csv"), rows),
            digest,
            DatasetImages.SIZE,
            FrameStoreLayout.DEFAULT_SHARD_SIZE);
    FrameStoreBuilder.buildShards(
        store, index, source, 0, index.shards(), -1, decodeThreads, s -> {});
    out.add(stop(s3, t));

    ImageLoader frames = FrameImages.forDataset(store, digest, source, Augmentation.DEFAULT);
    if (!(frames instanceof FrameImages)) {
      throw new IllegalStateException("the frame store just built is not complete");
    }
    String[] prefixes = {"java-bucket", "java-cached", "nd-cached"};
    NullEncoder[] encoders = {encoder, encoder, framesEncoder};
    for (int k = 0; k < prefixes.length; k++) {
      t = start(s3);
      extract(
          store,
          frames,
          encoders[k],
          pre,
          ids,
          batch,
          decodeThreads,
          "bench/null-frames-" + prefixes[k] + "-" + run + "/");
      out.add(stop(s3, t));
    }
    return out;
  }

  private static void extract(
      S3BlobStore store,
      ImageLoader loader,
      Encoder encoder,
      Preprocessor pre,
      List<String> ids,
      int batch,
      int decodeThreads,
      String prefix)
      throws IOException {
    EmbeddingExtractor.run(
        ExtractionJob.builder()
            .ids(ids)
            .loader(loader)
            .encoder(encoder)
            .preprocessor(pre)
            .store(store)
            .prefix(prefix)
            .provenance(NullEncoder.ID, "null", "bench", "bench")
            .batchSize(batch)
            .decodeThreads(decodeThreads)
            .build());
  }

  private static long[] start(StandaloneS3 s3) {
    return new long[] {System.nanoTime(), processCpuNanos(), s3.cpuNanos()};
  }

  /** {wall, worker CPU, store CPU} nanoseconds since {@code start}. */
  private static long[] stop(StandaloneS3 s3, long[] start) {
    return new long[] {
      System.nanoTime() - start[0], processCpuNanos() - start[1], s3.cpuNanos() - start[2]
    };
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
