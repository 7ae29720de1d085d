package io.labelcurve.activities.model;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where remote model files come from: {@code https://} (and {@code http://}) URLs and {@code
 * s3://bucket/key} objects, each downloaded once into a cache folder ({@code {cache}/{sha256}/{file
 * name}}) and checked against the {@code sha256} of its model.json, which is required for a remote
 * file. A file already in the cache is not downloaded again. Where the host cannot be reached
 * (offline) the message names the URI and says how to place the file by hand.
 *
 * <p>The cache folder: {@code LABELCURVE_MODEL_CACHE}, else {@code ~/.cache/labelcurve/models}.
 * Downloads go to a temporary file next to their place and are moved there when their hash matches,
 * so that two processes sharing the cache never see half a file.
 */
public final class ModelSources {
  public static final String ENV_CACHE = "LABELCURVE_MODEL_CACHE";

  private final Path cacheDir;
  private final BlobStore store;
  private final Duration timeout;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private volatile HttpClient http;

  /**
   * @param cacheDir the download cache
   * @param store the bucket {@code s3://} files are read from (null: no bucket; an {@code s3://}
   *     file is then refused with a message)
   * @param timeout connect timeout, and the time a download may wait for its first byte
   */
  public ModelSources(Path cacheDir, BlobStore store, Duration timeout) {
    this.cacheDir = cacheDir;
    this.store = store;
    this.timeout = timeout;
  }

  /** The default cache folder, no bucket, 30 s timeouts. */
  public static ModelSources defaults() {
    return new ModelSources(defaultCacheDir(), null, Duration.ofSeconds(30));
  }

  public static Path defaultCacheDir() {
    String env = System.getenv(ENV_CACHE);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "labelcurve", "models");
  }

  /** The same cache, reading {@code s3://} files from {@code store}. */
  public ModelSources withStore(BlobStore store) {
    return new ModelSources(cacheDir, store, timeout);
  }

  public Path cacheDir() {
    return cacheDir;
  }

  /** Is {@code file} (a model.json's field) a URI this class fetches? */
  public static boolean isRemote(String file) {
    String f = file.toLowerCase(Locale.ROOT);
    return f.startsWith("https://") || f.startsWith("http://") || f.startsWith("s3://");
  }

  /** Where a remote file lies once downloaded. */
  public Path cached(String uri, String sha256) {
    String path = URI.create(uri).getPath();
    String name =
        path == null || path.isEmpty() ? "model.pt" : path.substring(path.lastIndexOf('/') + 1);
    if (name.isEmpty() || name.startsWith(".")) {
      name = "model.pt";
    }
    return cacheDir.resolve(sha256.toLowerCase(Locale.ROOT)).resolve(name);
  }

  /**
   * The local copy of a remote file, downloaded and checked first when it is not in the cache.
   *
   * @param source the model.json, for messages
   */
  public Path fetch(String uri, String sha256, String source) {
    if (sha256 == null) {
      throw new BadInputException(
          source
              + ": field 'sha256' is required when 'file' is a URI ("
              + uri
              + "): the download is checked against it");
    }
    Path target = cached(uri, sha256);
    synchronized (locks.computeIfAbsent(target.toString(), k -> new Object())) {
      if (Files.isRegularFile(target)) {
        return target;
      }
      try {
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".download-", ".part");
        try {
          String got = download(uri, tmp, source, target);
          if (!got.equalsIgnoreCase(sha256)) {
            throw new BadInputException(
                source
                    + ": the file downloaded from "
                    + uri
                    + " has sha256 "
                    + got
                    + " but field 'sha256' is "
                    + sha256
                    + "; the file at the URI changed or "
                    + "the download is corrupt: check the URI, or update sha256 if the change is meant");
          }
          try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
          } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
          }
        } finally {
          Files.deleteIfExists(tmp);
        }
        return target;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot store the download of " + uri + " in " + target, e);
      }
    }
  }

  private String download(String uri, Path tmp, String source, Path target) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = open(uri, source, target);
        OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
      in.transferTo(out);
    } catch (BadInputException e) {
      throw e;
    } catch (IOException e) {
      throw unreachable(uri, source, target, e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private InputStream open(String uri, String source, Path target) throws IOException {
    URI u;
    try {
      u = URI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(source + ": field 'file' is not a valid URI: " + uri);
    }
    String scheme = u.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("s3")) {
      if (store == null) {
        throw new BadInputException(
            source
                + ": field 'file' is "
                + uri
                + " but this process has "
                + "no bucket connection (set LABELCURVE_S3_*), or download it to "
                + target);
      }
      String bucket = u.getHost();
      if (!store.bucket().equals(bucket)) {
        throw new BadInputException(
            source
                + ": field 'file' is "
                + uri
                + " but this worker reads "
                + "only bucket '"
                + store.bucket()
                + "'; copy the file there or use https://");
      }
      String key = u.getPath().startsWith("/") ? u.getPath().substring(1) : u.getPath();
      if (!store.exists(key)) {
        throw new BadInputException(source + ": field 'file' is " + uri + ", which does not exist");
      }
      return store.open(key);
    }
    HttpRequest request = HttpRequest.newBuilder(u).timeout(timeout).GET().build();
    HttpResponse<InputStream> response;
    try {
      response = client().send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while downloading " + uri);
    } catch (IOException | UnresolvedAddressException e) {
      throw unreachable(uri, source, target, e);
    }
    if (response.statusCode() != 200) {
      response.body().close();
      throw new BadInputException(
          source
              + ": downloading "
              + uri
              + " gave HTTP "
              + response.statusCode()
              + "; check the URI (a model hub may need you to accept its "
              + "licence and download it yourself, to "
              + target
              + ")");
    }
    return response.body();
  }

  private HttpClient client() {
    if (http == null) {
      synchronized (this) {
        if (http == null) {
          http =
              HttpClient.newBuilder()
                  .connectTimeout(timeout)
                  .followRedirects(HttpClient.Redirect.NORMAL)
                  .build();
        }
      }
    }
    return http;
  }

  private static RuntimeException unreachable(String uri, String source, Path target, Exception e) {
    boolean offline =
        e instanceof ConnectException
            || e instanceof UnknownHostException
            || e instanceof HttpConnectTimeoutException
            || e instanceof UnresolvedAddressException
            || e.getCause() instanceof UnresolvedAddressException
            || e.getCause() instanceof UnknownHostException
            || e.getCause() instanceof ConnectException;
    String what =
        offline
            ? "cannot reach the host (offline, or no route to it)"
            : e instanceof HttpTimeoutException ? "timed out" : "failed";
    return new BadInputException(
        source
            + ": downloading model file "
            + uri
            + " "
            + what
            + ": "
            + e
            + "; where there is no network, download it elsewhere and put it at "
            + target
            + " (or point 'file' to a local copy)",
        e);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
