package io.labelcurve.activities.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The one bucket of labelcurve (datasets, embeddings, sweeps), addressed by keys such as {@code
 * sweeps/demo/cells/x.json}. Implemented over S3 ({@link S3BlobStore}); S3Proxy in tests and the
 * embedded mode, MinIO or AWS on a cluster.
 */
public interface BlobStore {

  /** The bucket's name. */
  String bucket();

  /** {@code s3://bucket/key}. */
  default String uri(String key) {
    return "s3://" + bucket() + "/" + key;
  }

  /** The key of an {@code s3://bucket/key} URI of this bucket. */
  default String keyOf(String uri) {
    String prefix = "s3://" + bucket() + "/";
    if (!uri.startsWith(prefix)) {
      throw new IllegalArgumentException(uri + " is not in bucket " + bucket());
    }
    return uri.substring(prefix.length());
  }

  void put(String key, byte[] bytes) throws IOException;

  void putFile(String key, Path file) throws IOException;

  /** The object's bytes, or empty when there is no such key. */
  Optional<byte[]> get(String key) throws IOException;

  /** Streams an object; the caller closes the stream. Fails when there is no such key. */
  InputStream open(String key) throws IOException;

  boolean exists(String key) throws IOException;

  /** Keys under a prefix, sorted; "directory" placeholder keys ending in {@code /} are left out. */
  List<String> list(String prefix) throws IOException;

  void delete(String key) throws IOException;
}
