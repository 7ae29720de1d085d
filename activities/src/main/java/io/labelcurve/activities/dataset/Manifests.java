package io.labelcurve.activities.dataset;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Manifests read from the bucket, kept per URI: every cell of a sweep needs the same one, and a
 * manifest never changes under its URI within a sweep (its digest names the caches).
 */
public final class Manifests {
  private static final int KEEP = 8;
  private final BlobStore store;
  private final Map<String, Manifest> cache =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Manifest> eldest) {
          return size() > KEEP;
        }
      };

  public Manifests(BlobStore store) {
    this.store = store;
  }

  public synchronized Manifest read(String uri) throws IOException {
    Manifest m = cache.get(uri);
    if (m == null) {
      String key = keyOf(uri);
      byte[] bytes =
          store
              .get(key)
              .orElseThrow(
                  () ->
                      new BadInputException(
                          "dataset manifest "
                              + uri
                              + " does not exist; upload it with 'labelcurve dataset upload'"));
      m = ManifestReader.read(uri, bytes);
      cache.put(uri, m);
    }
    return m;
  }

  /** The key of a manifest URI in this bucket, refusing other buckets with a clear message. */
  public String keyOf(String uri) {
    if (uri == null || !uri.startsWith("s3://" + store.bucket() + "/")) {
      throw new BadInputException(
          "dataset: "
              + uri
              + " is not in the bucket s3://"
              + store.bucket()
              + "/; upload it with 'labelcurve dataset upload' or give a local path"
              + " to 'labelcurve sweep start', which uploads it");
    }
    return store.keyOf(uri);
  }
}
