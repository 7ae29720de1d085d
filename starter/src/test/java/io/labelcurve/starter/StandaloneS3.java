package io.labelcurve.starter;

import io.labelcurve.activities.storage.EmbeddedS3;
import java.nio.file.Path;

/**
 * S3Proxy over a folder, alone in a JVM, for the tests that stop the bucket under a running sweep
 * ({@link S3OutageIT}): {@code StandaloneS3 FOLDER PORT}. Prints {@value #READY} once it serves,
 * and serves until the process is killed.
 */
public final class StandaloneS3 {
  static final String READY = "s3 ready";

  private StandaloneS3() {}

  public static void main(String[] args) throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(Path.of(args[0]), Integer.parseInt(args[1]))) {
      System.out.println(READY + " " + s3.endpoint());
      System.out.flush();
      Thread.currentThread().join();
    }
  }
}
