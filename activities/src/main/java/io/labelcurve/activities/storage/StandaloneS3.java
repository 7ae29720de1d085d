package io.labelcurve.activities.storage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * S3Proxy over a folder, alone in a JVM of its own: {@code StandaloneS3 FOLDER PORT} prints {@value
 * #READY} and its endpoint once it serves, and serves until the process is killed. For what must
 * keep the object store out of the process under test: the tests that stop the bucket under a
 * running sweep ({@code S3OutageIT}), and {@code bench embed --model null}, which counts the
 * worker's CPU apart from the store's (on a GPU host the store is MinIO or S3 elsewhere).
 */
public final class StandaloneS3 implements AutoCloseable {
  public static final String READY = "s3 ready";

  /** JVM start and S3Proxy's own start, on a loaded 2-core machine: seconds, not minutes. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final Process process;
  private final String endpoint;

  private StandaloneS3(Process process, String endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  public static void main(String[] args) throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(Path.of(args[0]), Integer.parseInt(args[1]))) {
      System.out.println(READY + " " + s3.endpoint());
      System.out.flush();
      Thread.currentThread().join();
    }
  }

  /**
   * Starts one over {@code folder} on a free port, in a JVM of this JVM's binary and class path,
   * and waits until it serves.
   *
   * @throws IOException when it does not say it serves within two minutes (its output says why)
   */
  public static StandaloneS3 start(Path folder) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    StandaloneS3.class.getName(),
                    folder.toString(),
                    "0"))
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> ready =
        CompletableFuture.supplyAsync(
            () -> {
              StringBuilder said = new StringBuilder();
              try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  if (line.startsWith(READY + " ")) {
                    // Keep draining its output, so that it never blocks on a full pipe.
                    Thread drain = new Thread(() -> drain(out), "standalone-s3-output");
                    drain.setDaemon(true);
                    drain.start();
                    return line.substring(READY.length() + 1).strip();
                  }
                  said.append(line).append('\n');
                }
              } catch (IOException e) {
                said.append(e).append('\n');
              }
              throw new IllegalStateException("S3Proxy's JVM ended before it served:\n" + said);
            });
    try {
      return new StandaloneS3(p, ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while S3Proxy started");
    } catch (ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      throw new IOException("S3Proxy over " + folder + " did not start: " + e.getMessage(), e);
    }
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // Its log is not needed once it serves.
      }
    } catch (IOException ended) {
      // The process is gone.
    }
  }

  /** Settings that reach it with the given bucket ({@link EmbeddedS3}'s keys). */
  public S3Settings settings(String bucket) {
    return new S3Settings(
        endpoint, "us-east-1", bucket, EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY, true, true);
  }

  /** CPU time its process has used so far, in nanoseconds (0 where the OS does not say). */
  public long cpuNanos() {
    return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
