package io.labelcurve.activities.adapter;

import io.labelcurve.activities.embed.EmbeddingReader;
import io.labelcurve.activities.embed.EmbeddingReader.Embeddings;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Embedding sets read from the bucket, kept in memory by prefix: every cell of a model reads the
 * same training pool and test splits, and reading them once per cell would dominate small cells.
 * Bounded by count; a set under a prefix never changes (the prefix holds the digests).
 */
final class EmbeddingMemo {
  private final BlobStore store;
  private final int keep;
  private final Map<String, Embeddings> sets = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  EmbeddingMemo(BlobStore store, int keep) {
    this.store = store;
    this.keep = keep;
  }

  Embeddings get(String prefix) throws IOException {
    synchronized (this) {
      Embeddings e = sets.get(prefix);
      if (e != null) {
        return e;
      }
    }
    // One reader per prefix: concurrent cells wait for it instead of reading the same set again.
    synchronized (locks.computeIfAbsent(prefix, p -> new Object())) {
      synchronized (this) {
        Embeddings e = sets.get(prefix);
        if (e != null) {
          return e;
        }
      }
      Embeddings read = EmbeddingReader.read(store, prefix);
      synchronized (this) {
        sets.put(prefix, read);
        while (sets.size() > keep) {
          sets.remove(sets.keySet().iterator().next());
        }
      }
      return read;
    }
  }
}
