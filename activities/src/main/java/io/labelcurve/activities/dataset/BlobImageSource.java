package io.labelcurve.activities.dataset;

import io.labelcurve.activities.image.ImageSource;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/**
 * Images under a key prefix of the bucket, e.g. {@code datasets/echo/} for {@code
 * datasets/echo/manifest.csv}.
 */
public final class BlobImageSource implements ImageSource {
  private final BlobStore store;
  private final String keyPrefix;

  /**
   * @param store the bucket
   * @param keyPrefix the dataset's folder; a {@code /} is added when it lacks one; empty for the
   *     bucket's root
   */
  public BlobImageSource(BlobStore store, String keyPrefix) {
    this.store = store;
    this.keyPrefix = keyPrefix.isEmpty() || keyPrefix.endsWith("/") ? keyPrefix : keyPrefix + "/";
  }

  /** The images of the manifest at {@code manifestKey}: those under the manifest's own folder. */
  public static BlobImageSource besides(BlobStore store, String manifestKey) {
    int slash = manifestKey.lastIndexOf('/');
    return new BlobImageSource(store, slash < 0 ? "" : manifestKey.substring(0, slash + 1));
  }

  public String keyPrefix() {
    return keyPrefix;
  }

  /** The key of an image. */
  public String key(String relativePath) {
    return keyPrefix + relativePath;
  }

  @Override
  public byte[] read(String relativePath) throws IOException {
    return store
        .get(key(relativePath))
        .orElseThrow(() -> new NoSuchFileException(describe(relativePath)));
  }

  @Override
  public String describe(String relativePath) {
    return store.uri(key(relativePath));
  }
}
