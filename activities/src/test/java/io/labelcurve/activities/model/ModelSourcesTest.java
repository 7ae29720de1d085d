package io.labelcurve.activities.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.embed.Encoder;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote model files: {@code http(s)://} from a loopback HTTP server serving the tiny encoder,
 * downloaded once into the cache and checked against sha256; a wrong sha256 and an unreachable host
 * are refused with the URI named.
 */
class ModelSourcesTest {
  static final Path FIXTURE = TestModels.fixtureCatalog().resolve("tiny-cnn");

  @TempDir Path dir;
  HttpServer server;
  AtomicInteger requests = new AtomicInteger();
  byte[] encoder;
  String sha;

  @BeforeEach
  void serve() throws IOException {
    encoder = Files.readAllBytes(FIXTURE.resolve("encoder.pt"));
    sha = ModelCatalog.sha256Hex(encoder);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/m/encoder.pt",
        x -> {
          requests.incrementAndGet();
          x.sendResponseHeaders(200, encoder.length);
          try (OutputStream out = x.getResponseBody()) {
            out.write(encoder);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/m/encoder.pt";
  }

  ModelCatalog catalog(String file, String sha256) throws IOException {
    String json =
        Files.readString(FIXTURE.resolve("model.json"))
            .replace(
                "\"file\": \"encoder.pt\"",
                "\"file\": \""
                    + file
                    + "\""
                    + (sha256 == null ? "" : ", \"sha256\": \"" + sha256 + "\""));
    Path folder = Files.createDirectories(dir.resolve("catalog/tiny-cnn"));
    Files.writeString(folder.resolve("model.json"), json);
    return ModelCatalog.load(dir.resolve("catalog"))
        .withSources(new ModelSources(dir.resolve("cache"), null, Duration.ofSeconds(5)));
  }

  @Test
  void downloadsOnceIntoTheCacheAndLoads() throws IOException {
    ModelCatalog c = catalog(url(), sha);
    ModelSpec spec = c.get("tiny-cnn");
    assertTrue(spec.remote());
    // The digest (the cache key) comes from the declared sha256: no download for planning.
    String digest = c.digest(spec);
    assertEquals(0, requests.get());
    Path file = c.modelFile(spec);
    assertEquals(dir.resolve("cache").resolve(sha).resolve("encoder.pt"), file);
    assertArrayEquals(encoder, Files.readAllBytes(file));
    assertEquals(1, requests.get());
    assertEquals(file, c.modelFile(spec));
    assertEquals(1, requests.get(), "downloaded once");
    // Same digest as the same bytes given as a local file: the cache key is what it computes.
    assertEquals(ModelCatalog.load(FIXTURE.getParent()).digest("tiny-cnn"), digest);
    try (Encoder e = Encoders.open(c, spec, null)) {
      assertEquals(16, e.embed(List.of(new float[3 * 64 * 64]))[0].length);
    }
  }

  @Test
  void aWrongSha256IsRefusedAndNothingIsCached() throws IOException {
    String wrong = HexFormat.of().formatHex(new byte[32]);
    ModelCatalog c = catalog(url(), wrong);
    BadInputException e =
        assertThrows(BadInputException.class, () -> c.modelFile(c.get("tiny-cnn")));
    assertTrue(e.getMessage().contains(url()), e.getMessage());
    assertTrue(e.getMessage().contains(sha) && e.getMessage().contains(wrong), e.getMessage());
    try (Stream<Path> s = Files.walk(dir.resolve("cache"))) {
      assertFalse(s.anyMatch(Files::isRegularFile), "no file left in the cache");
    }
  }

  @Test
  void anUnreachableHostNamesTheUri() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String uri = "http://127.0.0.1:" + closed + "/m/encoder.pt";
    ModelCatalog c = catalog(uri, sha);
    BadInputException e =
        assertThrows(BadInputException.class, () -> c.modelFile(c.get("tiny-cnn")));
    assertTrue(e.getMessage().contains(uri), e.getMessage());
    assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
    assertTrue(
        e.getMessage().contains(dir.resolve("cache").resolve(sha).toString()),
        "says where to put the file by hand: " + e.getMessage());
  }

  @Test
  void aRemoteFileNeedsSha256AndOtherSchemesAreRefused() throws IOException {
    BadInputException e = assertThrows(BadInputException.class, () -> catalog(url(), null));
    assertTrue(e.getMessage().contains("sha256: required when 'file' is a URI"), e.getMessage());
    e = assertThrows(BadInputException.class, () -> catalog("ftp://example.org/x.pt", sha));
    assertTrue(e.getMessage().contains("ftp://example.org/x.pt"), e.getMessage());
  }

  @Test
  void s3FilesComeFromTheWorkersBucket() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("labelcurve"))) {
      store.put("models/tiny/encoder.pt", encoder);
      ModelCatalog c = catalog("s3://labelcurve/models/tiny/encoder.pt", sha).withStore(store);
      Path file = c.modelFile(c.get("tiny-cnn"));
      assertArrayEquals(encoder, Files.readAllBytes(file));
      // (a fresh cache: the cache is by content, so the file above would serve any URI of its sha)
      ModelCatalog other =
          catalog("s3://other-bucket/encoder.pt", sha)
              .withSources(new ModelSources(dir.resolve("cache2"), store, Duration.ofSeconds(5)));
      BadInputException e =
          assertThrows(BadInputException.class, () -> other.modelFile(other.get("tiny-cnn")));
      assertTrue(e.getMessage().contains("s3://other-bucket/encoder.pt"), e.getMessage());
    }
  }

  @Test
  void s3WithoutABucketConnectionIsRefusedWithTheUri() throws IOException {
    ModelCatalog c = catalog("s3://labelcurve/models/tiny/encoder.pt", sha);
    BadInputException e =
        assertThrows(BadInputException.class, () -> c.modelFile(c.get("tiny-cnn")));
    assertTrue(e.getMessage().contains("s3://labelcurve/models/tiny/encoder.pt"), e.getMessage());
  }
}
