package io.labelcurve.activities.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 API over a local folder (S3Proxy on jclouds' filesystem store): the bucket of the
 * embedded mode and of the tests. The folder must be on a filesystem with user xattrs, where
 * S3Proxy keeps object metadata.
 */
public final class EmbeddedS3 implements AutoCloseable {
  /** Fixed credentials of the local S3Proxy; it listens on loopback only. */
  public static final String ACCESS_KEY = "labelcurve";

  public static final String SECRET_KEY = "labelcurve-local-secret";

  private final S3Proxy proxy;
  private final BlobStoreContext context;
  private final Path root;
  private final String accessKey;
  private final String secretKey;

  private EmbeddedS3(
      S3Proxy proxy, BlobStoreContext context, Path root, String accessKey, String secretKey) {
    this.proxy = proxy;
    this.context = context;
    this.root = root;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** Starts S3Proxy on {@code 127.0.0.1:port} (0 picks a free port) serving {@code root}. */
  public static EmbeddedS3 start(Path root, int port) throws IOException {
    return start(root, port, "127.0.0.1");
  }

  /**
   * Starts S3Proxy on {@code address:port}: loopback unless workers on other machines need it
   * ({@code labelcurve up --listen}).
   */
  public static EmbeddedS3 start(Path root, int port, String address) throws IOException {
    return start(root, port, address, ACCESS_KEY, SECRET_KEY);
  }

  /**
   * As {@link #start(Path, int)}, with other credentials (tests that look for a recognisable secret
   * in everything a sweep writes).
   */
  public static EmbeddedS3 start(Path root, int port, String accessKey, String secretKey)
      throws IOException {
    return start(root, port, "127.0.0.1", accessKey, secretKey);
  }

  private static EmbeddedS3 start(
      Path root, int port, String address, String accessKey, String secretKey) throws IOException {
    Files.createDirectories(root);
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", root.toAbsolutePath().toString());
    BlobStoreContext context =
        ContextBuilder.newBuilder("filesystem").overrides(props).build(BlobStoreContext.class);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(context.getBlobStore())
            .endpoint(URI.create("http://" + address + ":" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
            // The SDK's transfer manager sends headers S3Proxy does not know.
            .ignoreUnknownHeaders(true)
            .build();
    try {
      proxy.start();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IOException(
              "S3Proxy did not start within 30 s (state " + proxy.getState() + ")");
        }
        Thread.sleep(10);
      }
    } catch (IOException e) {
      context.close();
      throw e;
    } catch (Exception e) {
      context.close();
      throw new IOException("cannot start S3Proxy on port " + port + ": " + e.getMessage(), e);
    }
    return new EmbeddedS3(proxy, context, root, accessKey, secretKey);
  }

  public int port() {
    return proxy.getPort();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  public Path root() {
    return root;
  }

  /** Settings that reach this S3Proxy with the given bucket. */
  public S3Settings settings(String bucket) {
    return new S3Settings(endpoint(), "us-east-1", bucket, accessKey, secretKey, true, true);
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      // Stopping is best effort; the JVM is usually on its way out.
    } finally {
      context.close();
    }
  }
}
