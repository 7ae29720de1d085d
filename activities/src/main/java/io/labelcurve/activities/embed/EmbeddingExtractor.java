package io.labelcurve.activities.embed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.CorruptCacheException;
import io.labelcurve.activities.Sha256;
import io.labelcurve.activities.image.Augmentation;
import io.labelcurve.activities.image.FrameSource;
import io.labelcurve.activities.npy.Npy;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeds a list of image ids into the shared cache: {@code {prefix}part-NNNNN.npy} (float32, rows
 * in id order) and {@code part-NNNNN.ids.txt} (one id a line), then {@code manifest.json}.
 *
 * <p>Cache and resume: a shard counts as stored when its ids file is there, and the ids file is
 * written after the npy, so a half-written shard is never taken as done. Stored shards are not
 * computed again (the ids in their file are checked against the expected ones, except for shards up
 * to {@link ExtractionJob#resumeAfterShard()}); when the manifest is there and matches (same ids,
 * shard size, dimension), nothing is read at all.
 *
 * <p>Ranges: a job over shards {@code [from, to)} ({@link ExtractionJob#shardRange}) computes and
 * checks those alone and writes no manifest; {@link #finish} writes it once every range is stored,
 * the same manifest a job over every shard writes.
 *
 * <p>Pipeline: decoding threads load and preprocess the images of up to two batches ahead while the
 * calling thread runs the encoder on the current one and stores finished shards.
 */
public final class EmbeddingExtractor {
  private static final Logger log = LoggerFactory.getLogger(EmbeddingExtractor.class);
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  public static final String MANIFEST = "manifest.json";
  private static final int PREFETCH_BATCHES = 2;

  private EmbeddingExtractor() {}

  /**
   * {@code embeddings/{modelKey}/{engineTag}/{datasetDigest}/{split}/}: the engine tag ({@link
   * io.labelcurve.activities.torch.TorchRuntime.Numerics#cacheTag()}) keeps vectors of another
   * engine version or numerics setting apart.
   */
  public static String prefix(
      String modelKey, String engineTag, String datasetDigest, String split) {
    for (String part : List.of(modelKey, engineTag, datasetDigest, split)) {
      if (part.isEmpty() || part.contains("/")) {
        throw new IllegalArgumentException("not a key segment: '" + part + "'");
      }
    }
    return "embeddings/" + modelKey + "/" + engineTag + "/" + datasetDigest + "/" + split + "/";
  }

  /** {@code part-NNNNN.npy}. */
  public static String npyName(int shard) {
    return String.format(Locale.ROOT, "part-%05d.npy", shard);
  }

  /** {@code part-NNNNN.npy.sha256}: the shard's digest, written between its npy and its ids. */
  public static String shaName(int shard) {
    return String.format(Locale.ROOT, "part-%05d.npy.sha256", shard);
  }

  /** SHA-256 (hex) of bytes. */
  static String sha256(byte[] bytes) {
    return Sha256.hex(bytes);
  }

  /** {@code part-NNNNN.ids.txt}. */
  public static String idsName(int shard) {
    return String.format(Locale.ROOT, "part-%05d.ids.txt", shard);
  }

  /** SHA-256 of ids, each followed by a newline. */
  public static String idsSha256(List<String> ids) {
    return Sha256.hexOfLines(ids);
  }

  /**
   * The manifest under a prefix when it says that these ids are all stored (same ids in the same
   * order, dimension, shard size); empty otherwise.
   */
  public static Optional<EmbeddingManifest> complete(
      BlobStore store, String prefix, List<String> ids, int dim, int shardSize) throws IOException {
    Optional<EmbeddingManifest> m = EmbeddingReader.manifest(store, prefix);
    if (m.isPresent()) {
      EmbeddingManifest x = m.get();
      if (x.count() == ids.size()
          && x.dim() == dim
          && x.shardSize() == shardSize
          && x.idsSha256().equals(idsSha256(ids))
          && shardsIntact(store, prefix, x)) {
        return m;
      }
    }
    return Optional.empty();
  }

  /**
   * Whether every shard's bytes have the digest the manifest recorded (a manifest without digests,
   * from before they were recorded, is not trusted). Reads every shard: a cache hit costs a
   * download of the set, a corrupt shard costs only itself (it is computed again).
   */
  private static boolean shardsIntact(BlobStore store, String prefix, EmbeddingManifest m)
      throws IOException {
    if (m.shardSha256() == null || m.shardSha256().size() != m.shards()) {
      return false;
    }
    for (int s = 0; s < m.shards(); s++) {
      Optional<byte[]> npy = store.get(prefix + npyName(s));
      if (npy.isEmpty() || !sha256(npy.get()).equals(m.shardSha256().get(s))) {
        log.warn(
            "{}{} is missing or not what was stored (SHA-256 differs from the manifest's);"
                + " computing it again",
            prefix,
            npyName(s));
        return false;
      }
    }
    return true;
  }

  /** A stored shard's digest when its npy has it, else empty (then it is computed again). */
  private static Optional<String> intactDigest(BlobStore store, String prefix, int shard)
      throws IOException {
    Optional<byte[]> sha = store.get(prefix + shaName(shard));
    Optional<byte[]> npy = store.get(prefix + npyName(shard));
    if (sha.isEmpty() || npy.isEmpty()) {
      return Optional.empty();
    }
    String want = new String(sha.get(), StandardCharsets.UTF_8).strip();
    if (!sha256(npy.get()).equals(want)) {
      log.warn(
          "{}{} is not what was stored (truncated or overwritten: SHA-256 differs from {});"
              + " computing it again",
          prefix,
          npyName(shard),
          shaName(shard));
      return Optional.empty();
    }
    return Optional.of(want);
  }

  /** Runs a job; see the class comment. */
  public static ExtractionResult run(ExtractionJob job) throws IOException {
    long start = System.nanoTime();
    BlobStore store = job.store();
    String prefix = job.prefix();
    List<String> ids = job.ids();
    int dim = job.encoder().dim();
    int shards = job.shards();
    for (String id : ids) {
      if (id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
        throw new BadInputException("image id " + id.strip() + " contains a line break");
      }
    }
    long storageNanos = 0;

    int from = job.fromShard();
    int to = job.toShard();
    int rangeImages = Math.min(ids.size(), to * job.shardSize()) - from * job.shardSize();
    long t = System.nanoTime();
    // A range does not read the whole set to learn that it is complete: the shards are checked.
    Optional<EmbeddingManifest> done =
        job.whole() ? complete(store, prefix, ids, dim, job.shardSize()) : Optional.empty();
    storageNanos += System.nanoTime() - t;
    if (done.isPresent()) {
      log.info("{}: all {} embeddings cached", prefix, ids.size());
      return new ExtractionResult(
          prefix,
          ids.size(),
          0,
          ids.size(),
          shards,
          dim,
          job.encoder().params(),
          0,
          0,
          0,
          storageNanos / 1e9,
          (System.nanoTime() - start) / 1e9);
    }

    // Which shards are stored: ids file present (written after the npy) and the right ids.
    t = System.nanoTime();
    Set<String> keys = new HashSet<>(store.list(prefix));
    boolean[] stored = new boolean[shards];
    String[] digests = new String[shards];
    int fromCache = 0;
    for (int s = from; s < to; s++) {
      if (!keys.contains(prefix + npyName(s)) || !keys.contains(prefix + idsName(s))) {
        continue;
      }
      List<String> expected = shardIds(job, s);
      if (s > job.resumeAfterShard()) {
        List<String> got = EmbeddingReader.readIds(store, prefix + idsName(s));
        if (!got.equals(expected)) {
          log.warn("{}{} holds other ids than expected; computing it again", prefix, idsName(s));
          continue;
        }
      }
      // Even a shard the heartbeat vouches for is checked: a truncated object is never used.
      Optional<String> digest = intactDigest(store, prefix, s);
      if (digest.isEmpty()) {
        continue;
      }
      digests[s] = digest.get();
      stored[s] = true;
      fromCache += expected.size();
    }
    storageNanos += System.nanoTime() - t;

    List<Batch> batches = new ArrayList<>();
    for (int s = from; s < to; s++) {
      if (stored[s]) {
        continue;
      }
      List<String> sIds = shardIds(job, s);
      for (int off = 0; off < sIds.size(); off += job.batchSize()) {
        batches.add(
            new Batch(s, off, sIds.subList(off, Math.min(sIds.size(), off + job.batchSize()))));
      }
    }

    job.listener().onProgress(fromCache, rangeImages, 0);
    LongAdder decodeNanos = new LongAdder();
    LongAdder prepNanos = new LongAdder();
    long inferNanos = 0;
    int computed = 0;
    AtomicInteger threadNo = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            job.decodeThreads(),
            r -> {
              Thread th = new Thread(r, "embed-decode-" + threadNo.incrementAndGet());
              th.setDaemon(true);
              return th;
            });
    Deque<Pending> window = new ArrayDeque<>();
    try {
      int next = 0;
      float[][] shardRows = null;
      int current = -1;
      while (next < batches.size() || !window.isEmpty()) {
        while (next < batches.size() && window.size() <= PREFETCH_BATCHES) {
          window.add(submit(batches.get(next++), job, pool, decodeNanos, prepNanos, true));
        }
        Pending p = window.poll();
        byte[] packed = p.frames() == null ? null : p.awaitFrames();
        float[][] emb;
        if (packed != null) {
          // Only the frames' bytes go to the encoder; it preprocesses on its device.
          long ti = System.nanoTime();
          emb = job.encoder().embedFrames(packed, p.batch().ids().size(), p.side());
          inferNanos += System.nanoTime() - ti;
        } else {
          List<float[]> inputs =
              p.frames() == null
                  ? p.await()
                  : submit(p.batch(), job, pool, decodeNanos, prepNanos, false).await();
          long ti = System.nanoTime();
          emb = job.encoder().embed(inputs);
          inferNanos += System.nanoTime() - ti;
        }
        computed += emb.length;
        job.listener().onImagesEmbedded(emb.length);
        if (p.batch().shard() != current) {
          current = p.batch().shard();
          shardRows = new float[shardIds(job, current).size()][];
        }
        System.arraycopy(emb, 0, shardRows, p.batch().offset(), emb.length);
        job.listener().onProgress(fromCache + computed, rangeImages, computed);
        if (p.batch().offset() + emb.length == shardRows.length) {
          long tw = System.nanoTime();
          byte[] npy = Npy.floatsToBytes(shardRows, dim);
          digests[current] = sha256(npy);
          // npy, then its digest, then the ids: the ids mark the shard as written.
          store.put(prefix + npyName(current), npy);
          store.put(prefix + shaName(current), digests[current].getBytes(StandardCharsets.UTF_8));
          store.put(prefix + idsName(current), idsBytes(shardIds(job, current)));
          storageNanos += System.nanoTime() - tw;
          stored[current] = true;
          shardRows = null;
          job.listener().onShardDone(doneThrough(stored, from));
        } else {
          job.listener().onBatchDone(doneThrough(stored, from));
        }
      }
    } finally {
      for (Pending p : window) {
        p.cancel();
      }
      pool.shutdownNow();
    }

    if (job.whole()) {
      t = System.nanoTime();
      store.put(
          prefix + MANIFEST,
          JSON.writeValueAsBytes(
              manifestOf(
                  new SetIdentity(
                      job.model(),
                      job.modelDigest(),
                      job.datasetDigest(),
                      job.split(),
                      job.preprocessor().spec().preprocessing()),
                  ids,
                  dim,
                  job.shardSize(),
                  job.encoder().params(),
                  List.of(digests))));
      storageNanos += System.nanoTime() - t;
    }

    ExtractionResult r =
        new ExtractionResult(
            prefix,
            rangeImages,
            computed,
            fromCache,
            to - from,
            dim,
            job.encoder().params(),
            decodeNanos.sum() / 1e9,
            prepNanos.sum() / 1e9,
            inferNanos / 1e9,
            storageNanos / 1e9,
            (System.nanoTime() - start) / 1e9);
    log.info(
        "{}: {} computed, {} cached, {} shards, {} img/s (decode {} s over threads, "
            + "preprocessing {} s over threads, inference {} s, storage {} s)",
        prefix,
        computed,
        fromCache,
        shards,
        String.format(Locale.ROOT, "%.1f", r.imagesPerSecond()),
        String.format(Locale.ROOT, "%.2f", r.decodeSeconds()),
        String.format(Locale.ROOT, "%.2f", r.preprocessSeconds()),
        String.format(Locale.ROOT, "%.2f", r.inferenceSeconds()),
        String.format(Locale.ROOT, "%.2f", r.storageSeconds()));
    return r;
  }

  /**
   * What a set's manifest says it is, besides its rows.
   *
   * @param model catalog model id
   * @param modelDigest the model's digest
   * @param datasetDigest the dataset's digest
   * @param split the split
   * @param preprocessing the model's preprocessing ({@code ModelSpec.preprocessing()})
   */
  public record SetIdentity(
      String model, String modelDigest, String datasetDigest, String split, String preprocessing) {}

  private static EmbeddingManifest manifestOf(
      SetIdentity set,
      List<String> ids,
      int dim,
      int shardSize,
      long params,
      List<String> digests) {
    return new EmbeddingManifest(
        set.model(),
        set.modelDigest(),
        set.datasetDigest(),
        set.split(),
        set.preprocessing(),
        ids.size(),
        dim,
        shardSize,
        digests.size(),
        idsSha256(ids),
        params,
        digests);
  }

  /**
   * Writes the manifest of a set whose shards the ranges of a fanned-out extraction stored: the
   * manifest a job over every shard would have written (the digests come from each shard's {@code
   * .sha256}, which its range wrote after checking or computing the npy).
   *
   * @throws CorruptCacheException when a shard is missing: the set is not complete, and finishing
   *     again would not make it so (a rerun extracts what is missing)
   */
  public static EmbeddingManifest finish(
      BlobStore store,
      String prefix,
      SetIdentity set,
      List<String> ids,
      int dim,
      int shardSize,
      long params)
      throws IOException {
    int shards = (ids.size() + shardSize - 1) / shardSize;
    Set<String> keys = new HashSet<>(store.list(prefix));
    List<String> digests = new ArrayList<>(shards);
    for (int s = 0; s < shards; s++) {
      Optional<byte[]> sha = store.get(prefix + shaName(s));
      if (!keys.contains(prefix + npyName(s))
          || !keys.contains(prefix + idsName(s))
          || sha.isEmpty()) {
        throw new CorruptCacheException(
            store.uri(prefix + npyName(s))
                + " (or its .sha256 / .ids.txt) is missing although every range of the set"
                + " finished: the set is not complete. 'labelcurve sweep rerun SWEEP' extracts"
                + " what is missing");
      }
      digests.add(new String(sha.get(), StandardCharsets.UTF_8).strip());
    }
    EmbeddingManifest m = manifestOf(set, ids, dim, shardSize, params, digests);
    store.put(prefix + MANIFEST, JSON.writeValueAsBytes(m));
    log.info("{}: finished, {} embeddings in {} shards", prefix, ids.size(), shards);
    return m;
  }

  private record Batch(int shard, int offset, List<String> ids) {}

  /**
   * A batch being loaded: preprocessed inputs ({@code images}), or, for a batch of originals going
   * to an encoder that {@link Encoder#prefersFrames}, the stored frames ({@code frames}, an element
   * null where the store has none: then the batch is loaded as images after all).
   */
  private record Pending(
      Batch batch,
      List<CompletableFuture<float[]>> images,
      List<CompletableFuture<byte[]>> frames,
      int side) {

    /** The frames packed one after the other, or null when one is not stored. */
    byte[] awaitFrames() throws IOException {
      int plane = side * side;
      byte[] packed = new byte[frames.size() * plane];
      for (int i = 0; i < frames.size(); i++) {
        byte[] f = result(frames.get(i), "frame", i, "reading frames");
        if (f == null) {
          return null;
        }
        System.arraycopy(f, 0, packed, i * plane, plane);
      }
      return packed;
    }

    List<float[]> await() throws IOException {
      List<float[]> out = new ArrayList<>(images.size());
      for (int i = 0; i < images.size(); i++) {
        out.add(result(images.get(i), "image", i, "decoding images"));
      }
      return out;
    }

    /**
     * The value of the {@code i}-th id's future; a failure names the {@code kind} and id, bad input
     * stays final.
     */
    private <T> T result(java.util.concurrent.Future<T> f, String kind, int i, String doing)
        throws IOException {
      try {
        return f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while " + doing);
      } catch (ExecutionException | CompletionException e) {
        Throwable c = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
        String where = kind + " " + batch.ids().get(i);
        if (c instanceof BadInputException b) {
          throw b;
        }
        if (c instanceof IOException io) {
          throw new IOException(where + ": " + io.getMessage(), io);
        }
        throw new IllegalStateException(where + ": " + c, c);
      }
    }

    void cancel() {
      if (images != null) {
        images.forEach(f -> f.cancel(true));
      }
      if (frames != null) {
        frames.forEach(f -> f.cancel(true));
      }
    }
  }

  private static Pending submit(
      Batch b,
      ExtractionJob job,
      ExecutorService pool,
      LongAdder decodeNanos,
      LongAdder prepNanos,
      boolean framesIfPossible) {
    if (framesIfPossible
        && job.loader() instanceof FrameSource source
        && job.encoder().prefersFrames()
        && b.ids().stream().allMatch(id -> Augmentation.parse(id).variant() == 0)) {
      List<CompletableFuture<byte[]>> frames = new ArrayList<>(b.ids().size());
      for (String id : b.ids()) {
        frames.add(
            CompletableFuture.supplyAsync(
                () -> timed(decodeNanos, () -> source.frame(id).orElse(null)), pool));
      }
      return new Pending(b, null, frames, source.frameSize());
    }
    List<CompletableFuture<float[]>> fs = new ArrayList<>(b.ids().size());
    for (String id : b.ids()) {
      fs.add(
          CompletableFuture.supplyAsync(
              () -> {
                Preprocessor.Source img =
                    timed(decodeNanos, () -> Preprocessor.source(job.loader(), id));
                long t1 = System.nanoTime();
                try {
                  return job.preprocessor().apply(img);
                } finally {
                  prepNanos.add(System.nanoTime() - t1);
                }
              },
              pool));
    }
    return new Pending(b, fs, null, 0);
  }

  /** A read that may fail with an {@link IOException}. */
  private interface Read<T> {
    T get() throws IOException;
  }

  /** {@code read}'s value, its time added to {@code nanos}; a failure unchecked for the future. */
  private static <T> T timed(LongAdder nanos, Read<T> read) {
    long t0 = System.nanoTime();
    try {
      return read.get();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      nanos.add(System.nanoTime() - t0);
    }
  }

  private static List<String> shardIds(ExtractionJob job, int shard) {
    int from = shard * job.shardSize();
    return job.ids().subList(from, Math.min(job.ids().size(), from + job.shardSize()));
  }

  /** The last shard from {@code from} on up to which every shard is stored; {@code from - 1}. */
  private static int doneThrough(boolean[] stored, int from) {
    int k = from - 1;
    while (k + 1 < stored.length && stored[k + 1]) {
      k++;
    }
    return k;
  }

  private static byte[] idsBytes(List<String> ids) {
    StringBuilder sb = new StringBuilder(ids.size() * 32);
    for (String id : ids) {
      sb.append(id).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
