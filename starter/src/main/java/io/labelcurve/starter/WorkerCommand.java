package io.labelcurve.starter;

import ai.djl.Device;
import io.labelcurve.activities.adapter.EmbeddingActivitiesImpl;
import io.labelcurve.activities.embed.DevicePool;
import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.worker.MetricsServer;
import io.labelcurve.worker.WorkerRuntime;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code labelcurve worker}: a worker process joining a Temporal server. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = "Run a worker that polls labelcurve task queues on a Temporal server.")
final class WorkerCommand implements Callable<Integer> {
  @Option(
      names = "--queues",
      split = ",",
      description =
          "task queues (default: all three): "
              + "labelcurve-cpu (workflows, SVM, evaluation), labelcurve-gpu (finetune cells),"
              + " labelcurve-embed (embedding extraction, in ranges)")
  List<String> queues = WorkerRuntime.QUEUES;

  @Option(
      names = "--no-workflows",
      negatable = false,
      description =
          "activities only: required "
              + "when joining the embedded server, which keeps a dead worker's workflow tasks forever")
  boolean noWorkflows;

  @Option(names = "--cpu-slots", description = "CPU activities at once (default 2)")
  int cpuSlots = 2;

  @Option(
      names = "--gpus",
      description =
          "accelerators of this worker: GPU-queue activities at "
              + "once (default 1; the first GPU when the CUDA engine is loaded, else the CPU)")
  int gpus = 1;

  @Option(
      names = "--metrics-port",
      description = "Prometheus /metrics port (default 9464, 0 = any)")
  int metricsPort = 9464;

  @Option(names = "--metrics-bind", description = "address /metrics binds to (default 0.0.0.0)")
  String metricsBind = "0.0.0.0";

  @Option(
      names = "--shard-size",
      description =
          "images per embedding shard (default: env "
              + EmbeddingActivitiesImpl.SHARD_SIZE_ENV
              + ", else 1024): what a killed worker loses at most")
  Integer shardSize;

  @Option(
      names = "--drain-seconds",
      description =
          "on SIGTERM or Ctrl-C: seconds running "
              + "activities get to finish before they are interrupted (default "
              + WorkerRuntime.DEFAULT_DRAIN_SECONDS
              + "); finetuning and extraction checkpoint and hand "
              + "over to another worker at once. The orchestrator's grace period must be longer")
  int drainSeconds = WorkerRuntime.DEFAULT_DRAIN_SECONDS;

  @Mixin ConnectionOptions connection;
  @Mixin ModelOptions models;

  @Override
  public Integer call() throws Exception {
    if (shardSize != null) {
      if (shardSize < 1) {
        throw new UserError("--shard-size must be >= 1");
      }
      System.setProperty(EmbeddingActivitiesImpl.SHARD_SIZE_PROPERTY, String.valueOf(shardSize));
    }
    if (drainSeconds < 0) {
      throw new UserError("--drain-seconds must be >= 0");
    }
    try (MetricsServer metrics = MetricsServer.start(metricsBind, metricsPort)) {
      WorkflowServiceStubs stubs = connection.temporalSettings().connect(metrics.temporalScope());
      WorkflowClient client = connection.client(stubs);
      try (S3BlobStore store = connection.store()) {
        ActivityContext context =
            new ActivityContext(
                store,
                models.catalog().withStore(store),
                new LabelcurveMetrics(metrics.registry()),
                Runtime.getRuntime().availableProcessors());
        // The first --gpus GPUs when the CUDA build of libtorch is loaded, one GPU-queue activity
        // on each; else the CPU (docs/GPU.md).
        DevicePool pool = DevicePool.detect(gpus);
        if (!pool.devices().get(0).isGpu()
            && (queues.contains(WorkerRuntime.GPU_QUEUE)
                || queues.contains(WorkerRuntime.EMBED_QUEUE))) {
          System.out.println("no GPU visible to libtorch: embedding runs on the CPU (docs/GPU.md)");
        } else if (pool.devices().size() < gpus) {
          throw new UserError(
              "--gpus " + gpus + " but libtorch sees " + pool.devices().size() + " GPU(s)");
        }
        Device device = null;
        try (WorkerRuntime runtime =
            WorkerRuntime.start(
                client,
                context,
                new WorkerRuntime.Plan(
                    new LinkedHashSet<>(queues), !noWorkflows, cpuSlots, gpus, device))) {
          System.out.println(
              "worker polling "
                  + queues
                  + " on "
                  + connection.temporalSettings()
                  + ", bucket "
                  + store.uri("")
                  + ", models "
                  + context.catalog().ids()
                  + ", devices "
                  + pool
                  + ", metrics "
                  + metrics.url());
          // SIGTERM (a rollout, docker stop) or Ctrl-C: drain. The hook itself drains and blocks
          // until done, because the JVM halts as soon as its hooks return; this thread stays
          // parked, so the client and the bucket stay open for the activities' last writes.
          Runtime.getRuntime()
              .addShutdownHook(new Thread(() -> drain(runtime), "labelcurve-drain"));
          new CountDownLatch(1).await();
        }
      } finally {
        stubs.shutdown();
      }
    }
    return ExitCode.OK.code();
  }

  private void drain(WorkerRuntime runtime) {
    long t0 = System.nanoTime();
    System.out.println(
        "stopping: draining "
            + runtime.runningActivities()
            + " activities for up"
            + " to "
            + drainSeconds
            + " s (finetuning and extraction checkpoint and hand over)");
    boolean clean = runtime.drain(Duration.ofSeconds(drainSeconds));
    System.out.println(
        String.format(
            Locale.ROOT,
            "drained in %.1f s%s",
            (System.nanoTime() - t0) / 1e9,
            clean ? "" : "; activities still running were interrupted"));
    System.out.flush();
  }
}
