package io.labelcurve.starter;

import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3Settings;
import io.labelcurve.worker.EmbeddedControlPlane;
import io.labelcurve.worker.TemporalSettings;
import io.labelcurve.worker.WorkerRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code labelcurve up}: the embedded control plane, until interrupted. */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description =
        "Run the embedded control plane: Temporal test server, S3Proxy, workers, /metrics.")
final class UpCommand implements Callable<Integer> {
  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "bucket folder (default ~/.labelcurve)")
  Path dataDir;

  @Option(names = "--port", description = "Temporal port (default 7233)")
  int port = 7233;

  @Option(names = "--s3-port", description = "S3Proxy port (default 7280)")
  int s3Port = 7280;

  @Option(names = "--metrics-port", description = "Prometheus /metrics port (default 9464)")
  int metricsPort = 9464;

  @Option(
      names = "--listen",
      paramLabel = "ADDRESS",
      description =
          "address Temporal, S3Proxy "
              + "and /metrics listen on (default 127.0.0.1: the embedded Temporal server has no "
              + "authentication); 0.0.0.0 only for workers on other machines, behind a firewall")
  String listen = EmbeddedControlPlane.Options.LOOPBACK;

  @Option(names = "--cpu-slots", description = "cells at once (default 2)")
  int cpuSlots = 2;

  @Option(
      names = "--drain-seconds",
      description =
          "on Ctrl-C or SIGTERM: seconds running "
              + "activities get to finish or checkpoint before the server stops (default "
              + WorkerRuntime.DEFAULT_DRAIN_SECONDS
              + ")")
  int drainSeconds = WorkerRuntime.DEFAULT_DRAIN_SECONDS;

  @Mixin ModelOptions models;

  static Path defaultDataDir() {
    return Path.of(System.getProperty("user.home"), ".labelcurve");
  }

  @Override
  public Integer call() throws Exception {
    if (drainSeconds < 0) {
      throw new UserError("--drain-seconds must be >= 0");
    }
    PortCheck.requireFree(port, "the embedded Temporal server", "--port");
    PortCheck.requireFree(s3Port, "S3Proxy", "--s3-port");
    PortCheck.requireFree(metricsPort, "/metrics", "--metrics-port");
    Path dir = dataDir != null ? dataDir : defaultDataDir();
    try (EmbeddedControlPlane plane =
        EmbeddedControlPlane.start(
            new EmbeddedControlPlane.Options(
                    dir, port, s3Port, metricsPort, models.catalog(), cpuSlots)
                .listeningOn(listen))) {
      System.out.println("labelcurve is up (embedded: no persistence across restarts, no UI)");
      System.out.println(
          "  Temporal  "
              + plane.temporalAddress()
              + "  namespace "
              + EmbeddedControlPlane.NAMESPACE);
      System.out.println(
          "  S3        "
              + plane.s3().endpoint()
              + "  bucket "
              + S3Settings.DEFAULT_BUCKET
              + "  folder "
              + dir.resolve("s3"));
      System.out.println("  metrics   " + plane.metrics().url());
      System.out.println("  models    " + plane.catalog().ids());
      System.out.println(
          "Point labelcurve commands (sweep, report, worker) in another shell at it:");
      System.out.println(
          "  export "
              + TemporalSettings.ENV_ADDRESS
              + "="
              + plane.temporalAddress()
              + " "
              + S3Settings.ENV_ENDPOINT
              + "="
              + plane.s3().endpoint()
              + " \\");
      System.out.println(
          "    "
              + S3Settings.ENV_ACCESS_KEY
              + "="
              + EmbeddedS3.ACCESS_KEY
              + " "
              + S3Settings.ENV_SECRET_KEY
              + "="
              + EmbeddedS3.SECRET_KEY);
      System.out.println("  ./labelcurve sweep start SPEC --wait");
      System.out.println(
          "  ./labelcurve worker --queues labelcurve-gpu,labelcurve-embed --no-workflows   # another"
              + " activity worker");
      System.out.println("Stop with Ctrl-C.");
      // Ctrl-C or SIGTERM: drain the in-process workers while the server and the bucket are up
      // (finished cells and checkpoints stay in the bucket; a re-started sweep reuses them), then
      // stop everything. The hook does it all and blocks: the JVM halts when its hooks return.
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    System.out.println("stopping: draining for up to " + drainSeconds + " s");
                    plane.drain(Duration.ofSeconds(drainSeconds));
                    plane.close();
                    System.out.println("stopped");
                    System.out.flush();
                  },
                  "labelcurve-drain"));
      new CountDownLatch(1).await();
    }
    return ExitCode.OK.code();
  }
}
