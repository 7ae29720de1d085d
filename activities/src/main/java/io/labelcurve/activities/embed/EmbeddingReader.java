package io.labelcurve.activities.embed;

import io.labelcurve.activities.CorruptCacheException;
import io.labelcurve.activities.npy.Npy;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the embeddings an {@link EmbeddingExtractor} stored: the ids and one row each, in shard
 * order. Streams each shard's npy straight into its rows (no second copy of the matrix).
 */
public final class EmbeddingReader {

  /** Ids and vectors, row {@code i} the embedding of {@code ids.get(i)}. */
  public record Embeddings(List<String> ids, float[][] vectors, EmbeddingManifest manifest) {
    public int dim() {
      return manifest.dim();
    }
  }

  private EmbeddingReader() {}

  /** The manifest under a prefix, if written. */
  public static Optional<EmbeddingManifest> manifest(BlobStore store, String prefix)
      throws IOException {
    Optional<byte[]> bytes = store.get(prefix + EmbeddingExtractor.MANIFEST);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(EmbeddingExtractor.JSON.readValue(bytes.get(), EmbeddingManifest.class));
  }

  /** All ids and vectors under a prefix; fails when its manifest is missing (not complete). */
  public static Embeddings read(BlobStore store, String prefix) throws IOException {
    EmbeddingManifest m =
        manifest(store, prefix)
            .orElseThrow(
                () ->
                    new IOException(
                        "no "
                            + store.uri(prefix + EmbeddingExtractor.MANIFEST)
                            + ": the embeddings are not complete; run the extraction"));
    List<String> ids = new ArrayList<>(m.count());
    float[][] vectors = new float[m.count()][];
    int row = 0;
    for (int s = 0; s < m.shards(); s++) {
      List<String> shardIds = readIds(store, prefix + EmbeddingExtractor.idsName(s));
      String key = prefix + EmbeddingExtractor.npyName(s);
      byte[] bytes = store.get(key).orElseThrow(() -> new IOException("no " + store.uri(key)));
      if (m.shardSha256() != null
          && !EmbeddingExtractor.sha256(bytes).equals(m.shardSha256().get(s))) {
        // Never use it; drop the set's manifest so that the next extraction computes it again.
        store.delete(prefix + EmbeddingExtractor.MANIFEST);
        throw new CorruptCacheException(
            store.uri(key)
                + " is not what was stored ("
                + bytes.length
                + " bytes, SHA-256 differs from "
                + store.uri(prefix + EmbeddingExtractor.MANIFEST)
                + "): truncated or overwritten. Its set is dropped from the cache; 'labelcurve sweep"
                + " rerun SWEEP' embeds it again and runs the cells left");
      }
      float[][] rows = Npy.readFloats(new java.io.ByteArrayInputStream(bytes));
      if (rows.length != shardIds.size() || (rows.length > 0 && rows[0].length != m.dim())) {
        throw new IOException(
            store.uri(prefix + EmbeddingExtractor.npyName(s))
                + " has "
                + rows.length
                + " rows of "
                + (rows.length > 0 ? rows[0].length : 0)
                + " for "
                + shardIds.size()
                + " ids of dimension "
                + m.dim());
      }
      if (row + rows.length > m.count()) {
        throw new IOException(
            store.uri(prefix) + ": shards hold more rows than the manifest's " + m.count());
      }
      System.arraycopy(rows, 0, vectors, row, rows.length);
      ids.addAll(shardIds);
      row += rows.length;
    }
    if (row != m.count()) {
      throw new IOException(
          store.uri(prefix) + ": shards hold " + row + " rows, manifest says " + m.count());
    }
    return new Embeddings(List.copyOf(ids), vectors, m);
  }

  /** The ids of one {@code part-NNNNN.ids.txt}. */
  public static List<String> readIds(BlobStore store, String key) throws IOException {
    byte[] bytes = store.get(key).orElseThrow(() -> new IOException("no " + store.uri(key)));
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', from)) {
      out.add(text.substring(from, i));
      from = i + 1;
    }
    if (from < text.length()) {
      out.add(text.substring(from));
    }
    return out;
  }
}
