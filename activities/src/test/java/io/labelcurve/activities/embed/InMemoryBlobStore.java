package io.labelcurve.activities.embed;

import io.labelcurve.activities.storage.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test double of the bucket for unit tests of the shard and resume logic only; the integration
 * tests run against a real S3Proxy.
 */
final class InMemoryBlobStore implements BlobStore {
  final Map<String, byte[]> objects = new ConcurrentSkipListMap<>();
  final AtomicInteger puts = new AtomicInteger();

  @Override
  public String bucket() {
    return "test";
  }

  @Override
  public void put(String key, byte[] bytes) {
    puts.incrementAndGet();
    objects.put(key, bytes.clone());
  }

  @Override
  public void putFile(String key, Path file) throws IOException {
    put(key, Files.readAllBytes(file));
  }

  @Override
  public Optional<byte[]> get(String key) {
    return Optional.ofNullable(objects.get(key)).map(byte[]::clone);
  }

  @Override
  public InputStream open(String key) throws IOException {
    byte[] b = objects.get(key);
    if (b == null) {
      throw new IOException("no such key " + key);
    }
    return new ByteArrayInputStream(b);
  }

  @Override
  public boolean exists(String key) {
    return objects.containsKey(key);
  }

  @Override
  public List<String> list(String prefix) {
    return objects.keySet().stream().filter(k -> k.startsWith(prefix)).sorted().toList();
  }

  @Override
  public void delete(String key) {
    objects.remove(key);
  }
}
