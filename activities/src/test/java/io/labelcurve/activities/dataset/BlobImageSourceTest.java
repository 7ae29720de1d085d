package io.labelcurve.activities.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.image.TestImages;
import io.labelcurve.activities.storage.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key handling of the bucket-backed source and the uploader, over an in-memory {@link BlobStore}.
 */
class BlobImageSourceTest {
  @TempDir Path dir;

  /** Keys to bytes; S3 behaviour itself is tested against S3Proxy with the real store. */
  static final class MemoryBlobStore implements BlobStore {
    final Map<String, byte[]> objects = new ConcurrentSkipListMap<>();

    @Override
    public String bucket() {
      return "test";
    }

    @Override
    public void put(String key, byte[] bytes) {
      objects.put(key, bytes.clone());
    }

    @Override
    public void putFile(String key, Path file) throws IOException {
      objects.put(key, Files.readAllBytes(file));
    }

    @Override
    public Optional<byte[]> get(String key) {
      return Optional.ofNullable(objects.get(key));
    }

    @Override
    public InputStream open(String key) throws IOException {
      byte[] b = objects.get(key);
      if (b == null) {
        throw new NoSuchFileException(key);
      }
      return new ByteArrayInputStream(b);
    }

    @Override
    public boolean exists(String key) {
      return objects.containsKey(key);
    }

    @Override
    public List<String> list(String prefix) {
      return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }

    @Override
    public void delete(String key) {
      objects.remove(key);
    }
  }

  @Test
  void uploadsImagesThenTheManifestAndReadsThemBack() throws IOException {
    Files.createDirectories(dir.resolve("t"));
    Files.write(dir.resolve("t/a.png"), TestImages.greyPng(5, 5));
    Files.write(dir.resolve("t/b.png"), TestImages.greyPng(6, 5));
    Path manifest = dir.resolve("manifest.csv");
    Files.writeString(
        manifest, "image,label,sequence,split\nt/a.png,A,s1,train\nt/b.png,B,s2,train\n");
    MemoryBlobStore store = new MemoryBlobStore();
    DatasetUploader.Upload upload = DatasetUploader.upload(manifest, store, "datasets/x");
    assertEquals("datasets/x/manifest.csv", upload.manifestKey());
    assertEquals(2, upload.images());

    BlobImageSource source = BlobImageSource.besides(store, upload.manifestKey());
    assertEquals("datasets/x/", source.keyPrefix());
    assertArrayEquals(Files.readAllBytes(dir.resolve("t/b.png")), source.read("t/b.png"));
    assertEquals("s3://test/datasets/x/t/a.png", source.describe("t/a.png"));
    assertThrows(NoSuchFileException.class, () -> source.read("t/none.png"));

    Manifest remote =
        ManifestReader.read(
            store.uri(upload.manifestKey()), store.get(upload.manifestKey()).orElseThrow());
    assertEquals(
        DatasetDigest.of(ManifestReader.read(manifest), LocalImageSource.besides(manifest)),
        DatasetDigest.of(remote, source),
        "the digest names content, wherever it is stored");
  }

  @Test
  void refusesToUploadADatasetWithAMissingImageAndWritesNothing() throws IOException {
    Path manifest = dir.resolve("manifest.csv");
    Files.writeString(manifest, "image,label,sequence,split\nt/a.png,A,s1,train\n");
    MemoryBlobStore store = new MemoryBlobStore();
    BadInputException e =
        assertThrows(BadInputException.class, () -> DatasetUploader.upload(manifest, store, "d/"));
    assertTrue(
        e.getMessage().contains("row 2") && e.getMessage().contains("t/a.png"), e.getMessage());
    assertTrue(store.objects.isEmpty());
  }
}
