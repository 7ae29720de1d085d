package io.labelcurve.activities.framestore;

import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a dataset's stored frames ({@link FrameStoreLayout}). A shard is fetched whole, checked
 * against its {@code .sha256} and kept in a process-wide cache of at most {@value
 * #DEFAULT_CACHE_MIB} MiB (system property {@code labelcurve.frames.cacheMiB}), shared by the
 * extractions, finetune cells and evaluations of a worker. Thread-safe.
 */
public final class FrameStore {
  private static final Logger log = LoggerFactory.getLogger(FrameStore.class);
  static final int DEFAULT_CACHE_MIB = 256;
  private static final ShardCache CACHE =
      new ShardCache(Long.getLong("labelcurve.frames.cacheMiB", DEFAULT_CACHE_MIB) << 20);

  private final BlobStore store;
  private final FrameIndex index;
  private final Map<String, Integer> positions;

  private FrameStore(BlobStore store, FrameIndex index) {
    this.store = store;
    this.index = index;
    this.positions = index.positions();
  }

  /** The stored index of a dataset's frames, if any. */
  public static Optional<FrameIndex> readIndex(BlobStore store, String datasetDigest)
      throws IOException {
    Optional<byte[]> bytes = store.get(FrameStoreLayout.indexKey(datasetDigest));
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    FrameIndex index = FrameStoreBuilder.JSON.readValue(bytes.get(), FrameIndex.class);
    if (!FrameIndex.FORMAT.equals(index.format()) || !datasetDigest.equals(index.datasetDigest())) {
      log.warn(
          "{} is of format {} for dataset {}; not used",
          store.uri(FrameStoreLayout.indexKey(datasetDigest)),
          index.format(),
          index.datasetDigest());
      return Optional.empty();
    }
    return Optional.of(index);
  }

  /**
   * The dataset's frame store when it is complete (an index and every shard's digest stored); empty
   * while it is missing or being built.
   */
  public static Optional<FrameStore> open(BlobStore store, String datasetDigest)
      throws IOException {
    Optional<FrameIndex> index = readIndex(store, datasetDigest);
    if (index.isEmpty()) {
      return Optional.empty();
    }
    Set<String> keys = new HashSet<>(store.list(FrameStoreLayout.prefix(datasetDigest)));
    for (int s = 0; s < index.get().shards(); s++) {
      if (!keys.contains(FrameStoreLayout.shaKey(datasetDigest, s))) {
        return Optional.empty();
      }
    }
    return Optional.of(new FrameStore(store, index.get()));
  }

  public FrameIndex index() {
    return index;
  }

  /** Side of the frames. */
  public int frameSize() {
    return index.frameSize();
  }

  /** Whether the store holds this image path. */
  public boolean holds(String path) {
    return positions.containsKey(path);
  }

  /**
   * The frame of an image path, {@code frameSize²} bytes (a copy), or empty when the store does not
   * hold the path or its shard is not what was stored (the caller decodes the image instead).
   */
  public Optional<byte[]> frame(String path) throws IOException {
    Integer i = positions.get(path);
    if (i == null) {
      return Optional.empty();
    }
    int shard = i / index.shardSize();
    Optional<Shard> s = shard(shard);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    int plane = index.frameSize() * index.frameSize();
    byte[] out = new byte[plane];
    System.arraycopy(
        s.get().npy(), s.get().dataOffset() + (i % index.shardSize()) * plane, out, 0, plane);
    return Optional.of(out);
  }

  private record Shard(byte[] npy, int dataOffset) {}

  private Optional<Shard> shard(int shard) throws IOException {
    String key = FrameStoreLayout.shardKey(index.datasetDigest(), shard);
    String cacheKey = store.uri(key);
    Shard hit = CACHE.get(cacheKey);
    if (hit != null) {
      return Optional.of(hit);
    }
    CompletableFuture<Shard> mine = new CompletableFuture<>();
    CompletableFuture<Shard> loading = CACHE.loading.putIfAbsent(cacheKey, mine);
    if (loading != null) {
      return Optional.ofNullable(await(loading));
    }
    try {
      Shard loaded = fetch(key, shard);
      if (loaded != null) {
        CACHE.put(cacheKey, loaded);
      }
      mine.complete(loaded);
      return Optional.ofNullable(loaded);
    } catch (IOException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      CACHE.loading.remove(cacheKey, mine);
    }
  }

  private Shard fetch(String key, int shard) throws IOException {
    Optional<byte[]> npy = store.get(key);
    Optional<byte[]> sha = store.get(FrameStoreLayout.shaKey(index.datasetDigest(), shard));
    if (npy.isEmpty()
        || sha.isEmpty()
        || !FrameStoreBuilder.sha256(npy.get())
            .equals(new String(sha.get(), StandardCharsets.UTF_8).strip())) {
      log.warn(
          "{} is missing or not what was stored (SHA-256 differs); decoding its images instead",
          store.uri(key));
      return null;
    }
    FrameShardFile.Layout layout = FrameShardFile.layout(npy.get(), store.uri(key));
    int expected = index.endOf(shard) - index.firstOf(shard);
    if (layout.frames() != expected || layout.size() != index.frameSize()) {
      log.warn(
          "{} holds {} frames of {} px, the index says {} of {}; decoding its images instead",
          store.uri(key),
          layout.frames(),
          layout.size(),
          expected,
          index.frameSize());
      return null;
    }
    return new Shard(npy.get(), layout.dataOffset());
  }

  private static Shard await(CompletableFuture<Shard> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while fetching a frame shard");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw new IOException(io.getMessage(), io);
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** LRU of whole shards by bytes. */
  private static final class ShardCache {
    private final long budget;
    private long held;
    final ConcurrentHashMap<String, CompletableFuture<Shard>> loading = new ConcurrentHashMap<>();
    private final LinkedHashMap<String, Shard> shards = new LinkedHashMap<>(16, 0.75f, true);

    ShardCache(long budget) {
      this.budget = budget;
    }

    synchronized Shard get(String key) {
      return shards.get(key);
    }

    synchronized void put(String key, Shard shard) {
      Shard old = shards.put(key, shard);
      if (old != null) {
        held -= old.npy().length;
      }
      held += shard.npy().length;
      var it = shards.entrySet().iterator();
      while (held > budget && shards.size() > 1 && it.hasNext()) {
        var e = it.next();
        if (e.getKey().equals(key)) {
          continue;
        }
        held -= e.getValue().npy().length;
        it.remove();
      }
    }
  }
}
