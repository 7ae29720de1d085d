package io.labelcurve.starter;

import io.labelcurve.activities.device.DevicePool;
import io.labelcurve.activities.device.GpuDetection;
import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.worker.MetricsServer;
import io.labelcurve.worker.WorkerRuntime;
import io.labelcurve.worker.WorkerSettings;
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
          "devices of this worker: the first N GPUs libtorch sees, one GPU-queue activity on each"
              + " (default 1); without a GPU, N activities at once on CPU slots")
  int gpus = 1;

  @Option(
      names = "--require-gpu",
      negatable = false,
      description =
          "refuse to start (exit 6) unless libtorch is a CUDA build and sees --gpus GPUs: what GPU images and"
              + " manifests use, so that a GPU worker never runs on the CPU unnoticed")
  boolean requireGpu;

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
              + WorkerSettings.SHARD_SIZE_ENV
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
    // The process's edge: the environment is read here, once, and passed on.
    WorkerSettings settings = WorkerSettings.fromEnvironment(System.getenv());
    if (shardSize != null) {
      if (shardSize < 1) {
        throw new UserError("--shard-size must be >= 1");
      }
      settings = settings.withEmbedShardSize(shardSize);
    }
    if (drainSeconds < 0) {
      throw new UserError("--drain-seconds must be >= 0");
    }
    if (gpus < 1) {
      throw new UserError("--gpus must be >= 1");
    }
    // Before anything connects: a GPU worker that cannot have its GPUs says so at once.
    DevicePool pool = devices(settings);
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
        try (WorkerRuntime runtime =
            WorkerRuntime.start(
                client,
                context,
                new WorkerRuntime.Plan(
                    new LinkedHashSet<>(queues), !noWorkflows, cpuSlots, pool, settings))) {
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

  /**
   * The GPU queue's device slots: the first {@code --gpus} GPUs libtorch sees, else (no GPU, and no
   * {@code --require-gpu}) as many CPU slots. A worker that does not poll the GPU queue loads no
   * engine for it.
   */
  private DevicePool devices(WorkerSettings settings) {
    if (!WorkerRuntime.pollsGpuWork(queues)) {
      if (requireGpu) {
        throw new UserError(
            "--require-gpu: this worker polls no GPU-work queue such as "
                + WorkerRuntime.GPU_QUEUE
                + " (--queues "
                + String.join(",", queues)
                + "), so it would use no GPU");
      }
      return DevicePool.cpuSlots(gpus);
    }
    GpuDetection gpu = GpuDetection.detect();
    if (gpu.gpus() == 0) {
      String why =
          "no GPU: looked for a CUDA build of libtorch seeing at least "
              + gpus
              + " GPU(s); found "
              + gpu.describe()
              + "; "
              + settings.describeVisibleDevices()
              + ". "
              + (gpu.cudaBuild()
                  ? "The CUDA build sees no device: is the NVIDIA driver there, the container"
                      + " given a GPU (--gpus all, nvidia.com/gpu), CUDA_VISIBLE_DEVICES right?"
                  : "Point PYTORCH_LIBRARY_PATH at the CUDA libtorch and set PYTORCH_FLAVOR=cu128,"
                      + " PYTORCH_VERSION (the GPU image does).")
              + " See docs/GPU.md.";
      if (requireGpu) {
        throw new UserError("--require-gpu: " + why, ExitCode.NO_GPU);
      }
      System.out.println(
          WorkerRuntime.GPU_QUEUE
              + " runs on "
              + gpus
              + " CPU slot(s), "
              + why
              + " (labelcurve_worker_device says device=\"cpu\"; --require-gpu refuses this)");
      return DevicePool.cpuSlots(gpus);
    }
    try {
      return DevicePool.forWorker(gpus, gpu);
    } catch (IllegalStateException e) {
      throw new UserError(
          e.getMessage() + "; " + settings.describeVisibleDevices(),
          requireGpu ? ExitCode.NO_GPU : ExitCode.BAD_INPUT);
    }
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
