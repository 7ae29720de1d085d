package io.labelcurve.activities.framestore;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.Sha256;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.image.GreyFrames;
import io.labelcurve.activities.image.ImageSource;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a dataset's frame store: {@link #plan} lists the manifest's images and writes the index;
 * {@link #buildShards} decodes a range of shards and stores them. Shards are independent, so ranges
 * run as separate activities on any worker; a stored shard (npy, then its {@code .sha256}) is never
 * built again.
 */
public final class FrameStoreBuilder {
  private static final Logger log = LoggerFactory.getLogger(FrameStoreBuilder.class);
  static final ObjectMapper JSON = new ObjectMapper();

  private FrameStoreBuilder() {}

  /** Called after each shard is stored (or found stored), in shard order: a resume position. */
  @FunctionalInterface
  public interface Progress {
    void shardDone(int shard) throws IOException;
  }

  /** What a range build did. */
  public record Built(int built, int alreadyStored, int frames, double seconds) {}

  /**
   * The index of a manifest's frames (every distinct image path, in String order), written to the
   * bucket unless an equal one is there.
   */
  public static FrameIndex plan(
      BlobStore store, Manifest manifest, String datasetDigest, int frameSize, int shardSize)
      throws IOException {
    TreeSet<String> images = new TreeSet<>();
    for (ManifestRow r : manifest.rows()) {
      images.add(r.image());
    }
    FrameIndex index =
        FrameIndex.of(
            datasetDigest, manifest.location(), frameSize, shardSize, new ArrayList<>(images));
    String key = FrameStoreLayout.indexKey(datasetDigest);
    Optional<FrameIndex> stored = FrameStore.readIndex(store, datasetDigest);
    if (stored.isEmpty()
        || stored.get().count() != index.count()
        || stored.get().shardSize() != shardSize
        || stored.get().frameSize() != frameSize
        || !stored.get().frames().equals(index.frames())) {
      store.put(key, JSON.writeValueAsBytes(index));
    }
    return index;
  }

  /**
   * Builds shards {@code from} (inclusive) to {@code to} (exclusive), skipping those stored.
   *
   * @param resumeAfter shards up to this one were stored by an earlier attempt (its heartbeat):
   *     their {@code .sha256} being there is enough; later ones are checked against their digest
   * @param threads decoding threads
   * @throws BadInputException when an image is missing or cannot be decoded, naming it
   */
  public static Built buildShards(
      BlobStore store,
      FrameIndex index,
      ImageSource source,
      int from,
      int to,
      int resumeAfter,
      int threads,
      Progress progress)
      throws IOException {
    if (from < 0 || to > index.shards() || from > to) {
      throw new IllegalArgumentException(
          "shards " + from + ".." + to + " of a store with " + index.shards());
    }
    long start = System.nanoTime();
    String digest = index.datasetDigest();
    int built = 0;
    int stored = 0;
    int frames = 0;
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), daemon());
    try {
      for (int s = from; s < to; s++) {
        if (isStored(store, digest, s, s <= resumeAfter)) {
          stored++;
        } else {
          byte[] npy = FrameShardFile.write(decode(index, s, source, pool), index.frameSize());
          // npy, then its digest: the digest marks the shard as stored.
          store.put(FrameStoreLayout.shardKey(digest, s), npy);
          store.put(
              FrameStoreLayout.shaKey(digest, s), sha256(npy).getBytes(StandardCharsets.UTF_8));
          built++;
          frames += index.endOf(s) - index.firstOf(s);
        }
        progress.shardDone(s);
      }
    } finally {
      pool.shutdownNow();
    }
    Built result = new Built(built, stored, frames, (System.nanoTime() - start) / 1e9);
    log.info(
        "frames/{}: shards {}..{}: {} built ({} frames), {} already stored, {} s",
        digest,
        from,
        to - 1,
        built,
        frames,
        stored,
        String.format(java.util.Locale.ROOT, "%.2f", result.seconds()));
    return result;
  }

  /** Whether a shard is stored: its digest file is there and (unless trusted) matches the npy. */
  static boolean isStored(BlobStore store, String digest, int shard, boolean trusted)
      throws IOException {
    Optional<byte[]> sha = store.get(FrameStoreLayout.shaKey(digest, shard));
    if (sha.isEmpty()) {
      return false;
    }
    if (trusted) {
      return true;
    }
    Optional<byte[]> npy = store.get(FrameStoreLayout.shardKey(digest, shard));
    boolean intact =
        npy.isPresent()
            && sha256(npy.get()).equals(new String(sha.get(), StandardCharsets.UTF_8).strip());
    if (!intact) {
      log.warn("{} is missing or not what was stored; building it again", shardName(digest, shard));
    }
    return intact;
  }

  private static byte[][] decode(
      FrameIndex index, int shard, ImageSource source, ExecutorService pool) throws IOException {
    int first = index.firstOf(shard);
    int n = index.endOf(shard) - first;
    List<Future<byte[]>> futures = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String path = index.image(first + i);
      futures.add(pool.submit(() -> frameOf(source, path, index.frameSize())));
    }
    byte[][] frames = new byte[n][];
    for (int i = 0; i < n; i++) {
      try {
        frames[i] = futures.get(i).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(
            "interrupted while decoding " + shardName(index.datasetDigest(), shard));
      } catch (ExecutionException e) {
        futures.forEach(f -> f.cancel(true));
        Throwable c = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
        if (c instanceof RuntimeException r) {
          throw r;
        }
        if (c instanceof IOException io) {
          throw io;
        }
        throw new IllegalStateException(c);
      }
    }
    return frames;
  }

  private static byte[] frameOf(ImageSource source, String path, int size) {
    byte[] bytes;
    try {
      bytes = source.read(path);
    } catch (NoSuchFileException e) {
      throw new BadInputException(source.describe(path) + ": image not found");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return GreyFrames.frame(bytes, source.describe(path), size);
  }

  private static String shardName(String digest, int shard) {
    return FrameStoreLayout.shardKey(digest, shard);
  }

  static String sha256(byte[] bytes) {
    return Sha256.hex(bytes);
  }

  private static java.util.concurrent.ThreadFactory daemon() {
    return r -> {
      Thread t = new Thread(r, "frame-decode");
      t.setDaemon(true);
      return t;
    };
  }
}
