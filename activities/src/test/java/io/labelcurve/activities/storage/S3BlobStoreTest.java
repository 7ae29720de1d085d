package io.labelcurve.activities.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bucket through the AWS SDK against a real S3Proxy, with the settings the DESIGN notes. */
class S3BlobStoreTest {
  @TempDir Path dir;

  @Test
  void putGetListDeleteThroughARealS3Api() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("test-bucket"))) {
      store.put("a/x.txt", "hello".getBytes(StandardCharsets.UTF_8));
      Path file = Files.writeString(dir.resolve("f.txt"), "file body");
      store.putFile("a/b/y.txt", file);
      store.put("c.txt", new byte[0]);

      assertArrayEquals(
          "hello".getBytes(StandardCharsets.UTF_8), store.get("a/x.txt").orElseThrow());
      try (InputStream in = store.open("a/b/y.txt")) {
        assertEquals("file body", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      assertTrue(store.exists("a/x.txt"));
      assertFalse(store.exists("a/nope.txt"));
      assertTrue(store.get("a/nope.txt").isEmpty());
      // No "directory" placeholder keys, sorted.
      assertEquals(List.of("a/b/y.txt", "a/x.txt"), store.list("a/"));
      assertEquals("s3://test-bucket/a/x.txt", store.uri("a/x.txt"));
      assertEquals("a/x.txt", store.keyOf("s3://test-bucket/a/x.txt"));

      store.delete("a/x.txt");
      assertFalse(store.exists("a/x.txt"));
    }
  }

  @Test
  void reconnectingFindsTheSameBucketAndObjects() throws Exception {
    Path root = dir.resolve("s3");
    try (EmbeddedS3 s3 = EmbeddedS3.start(root, 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt"))) {
      store.put("k", new byte[] {1, 2, 3});
    }
    try (EmbeddedS3 s3 = EmbeddedS3.start(root, 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("bkt"))) {
      assertArrayEquals(new byte[] {1, 2, 3}, store.get("k").orElseThrow());
    }
  }
}
