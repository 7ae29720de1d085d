package io.labelcurve.worker;

import io.labelcurve.activities.adapter.DatasetActivitiesImpl;
import io.labelcurve.activities.adapter.EmbeddingActivitiesImpl;
import io.labelcurve.activities.adapter.FinetuneActivitiesImpl;
import io.labelcurve.activities.adapter.FrameStoreActivitiesImpl;
import io.labelcurve.activities.adapter.ProbeActivitiesImpl;
import io.labelcurve.activities.adapter.ResultActivitiesImpl;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.device.DevicePool;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.workflows.activities.ExtractionActivities;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.sweep.CellWorkflowImpl;
import io.labelcurve.workflows.sweep.ModelSweepWorkflowImpl;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.labelcurve.workflows.sweep.SweepWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers of one process: which task queues it polls, what it registers on each and how many
 * tasks it runs at once. Holds no domain logic: it wires the activity implementations to Temporal.
 *
 * <p>{@link #drain} (and {@link #close}) is how the process goes: it stops polling, gives running
 * activities a drain period, then interrupts what is left. In the Java SDK, {@code
 * WorkerFactory.shutdown()} makes every later {@code heartbeat()} throw {@code
 * ActivityWorkerShutdownException}: the activities that heartbeat (finetuning, extraction) see the
 * drain at their next step or batch, checkpoint and end their attempt with a retryable failure so
 * that the retry starts at once on another worker; those that do not heartbeat (bookkeeping, a
 * probe cell past its last heartbeat) run to their end within the period.
 */
public final class WorkerRuntime implements AutoCloseable {
  /** Workflows, datasets, probe cells, bookkeeping: {@link SweepWorkflow#TASK_QUEUE}. */
  public static final String CPU_QUEUE = SweepWorkflow.TASK_QUEUE;

  /** Finetune cells (and the whole-split extraction of older runs): one per device slot. */
  public static final String GPU_QUEUE = FinetuneActivities.TASK_QUEUE;

  /** Extraction ranges, one per device slot, never behind a finetune cell. */
  public static final String EMBED_QUEUE = ExtractionActivities.TASK_QUEUE;

  public static final List<String> QUEUES = List.of(CPU_QUEUE, GPU_QUEUE, EMBED_QUEUE);
  private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);

  /**
   * The default drain period, in seconds. Heartbeating activities leave within one step or batch
   * plus a checkpoint write (a CPU finetune step of mobilenet took ~5.5 s under load, a paper batch
   * of ResNet-50 on 2 CPU cores ~20 s, a ResNet-50 checkpoint is 280 MB to upload); what does not
   * heartbeat is bookkeeping (seconds) or a probe cell's SVM (seconds to minutes). 60 s covers all
   * but the largest probe cells, whose retry is idempotent. Kubernetes' and compose's grace periods
   * must be longer (deploy/: 90 s), or the kernel's SIGKILL ends the drain early.
   */
  public static final int DEFAULT_DRAIN_SECONDS = 60;

  /**
   * After the drain period, how long interrupted activities get to send their failure before the
   * process goes on exiting: a reply is one RPC; more would only eat into the grace period.
   */
  private static final Duration INTERRUPT_WAIT = Duration.ofSeconds(10);

  private final WorkerFactory factory;
  private final InFlightActivities inFlight;

  /** What the activities hold beyond an activity (encoders kept loaded), closed after the drain. */
  private final List<AutoCloseable> held;

  private boolean drained;

  private WorkerRuntime(
      WorkerFactory factory, InFlightActivities inFlight, List<AutoCloseable> held) {
    this.factory = factory;
    this.inFlight = inFlight;
    this.held = List.copyOf(held);
  }

  /**
   * What a worker process serves.
   *
   * @param queues task queues to poll ({@link #CPU_QUEUE}, {@link #GPU_QUEUE})
   * @param workflows also run the sweep workflows (on the CPU queue); off for activity-only workers
   *     that join the embedded server, which keeps a dead worker's workflow task forever
   * @param cpuSlots activities at once on the CPU queue (each SVM uses {@code svmThreads})
   * @param devices the device slots of the GPU queue: as many activities at once as it has slots,
   *     each on a slot of its own ({@link DevicePool#forWorker}); chosen by the process's edge,
   *     which knows whether a GPU was required
   * @param settings what the process's environment set ({@link WorkerSettings#fromEnvironment})
   * @param cpuActivities run the CPU queue's activities; off for a process that runs only the
   *     workflows while separate worker processes run every activity (the load benchmark)
   */
  public record Plan(
      Set<String> queues,
      boolean workflows,
      int cpuSlots,
      DevicePool devices,
      WorkerSettings settings,
      boolean cpuActivities) {
    /** A plan that runs the activities of every queue it polls. */
    public Plan(
        Set<String> queues,
        boolean workflows,
        int cpuSlots,
        DevicePool devices,
        WorkerSettings settings) {
      this(queues, workflows, cpuSlots, devices, settings, true);
    }

    /** Activities at once on the GPU queue: one per device slot. */
    public int gpuSlots() {
      return devices.slots().size();
    }

    public Plan {
      queues = Set.copyOf(queues);
      java.util.Objects.requireNonNull(devices, "devices");
      java.util.Objects.requireNonNull(settings, "settings");
      for (String q : queues) {
        if (!QUEUES.contains(q)) {
          throw new IllegalArgumentException("unknown task queue '" + q + "'; use " + QUEUES);
        }
      }
    }
  }

  /**
   * Whether a worker polling {@code queues} runs GPU work (extraction, finetune cells), so needs
   * device slots: the one place that says which queues are GPU work.
   */
  public static boolean pollsGpuWork(java.util.Collection<String> queues) {
    return queues.contains(GPU_QUEUE) || queues.contains(EMBED_QUEUE);
  }

  /** Registers and starts polling. */
  public static WorkerRuntime start(WorkflowClient client, ActivityContext context, Plan plan) {
    context.metrics().registerModels(context.catalog().ids(), Provenance.version());
    InFlightActivities inFlight = new InFlightActivities();
    WorkerFactory factory =
        WorkerFactory.newInstance(
            client, WorkerFactoryOptions.newBuilder().setWorkerInterceptors(inFlight).build());
    Manifests manifests = new Manifests(context.store());
    List<AutoCloseable> held = new java.util.ArrayList<>();
    if (plan.queues().contains(CPU_QUEUE)) {
      Worker cpu =
          factory.newWorker(
              CPU_QUEUE,
              WorkerOptions.newBuilder()
                  .setMaxConcurrentActivityExecutionSize(plan.cpuSlots())
                  .build());
      if (plan.workflows()) {
        cpu.registerWorkflowImplementationTypes(
            SweepWorkflowImpl.class, ModelSweepWorkflowImpl.class, CellWorkflowImpl.class);
      }
      if (plan.cpuActivities()) {
        cpu.registerActivitiesImplementations(
            new DatasetActivitiesImpl(context, manifests),
            new FrameStoreActivitiesImpl(context, manifests),
            new ProbeActivitiesImpl(context, manifests),
            new ResultActivitiesImpl(context));
      }
    }
    if (plan.queues().contains(CPU_QUEUE)) {
      context.metrics().workerDevice(CPU_QUEUE, "cpu");
    }
    // Chosen at the process's edge, which knows whether a GPU was required; labelled in /metrics
    // before the first activity so that a GPU worker on the CPU shows from the start.
    DevicePool devices = plan.devices();
    WorkerSettings settings = plan.settings();
    if (plan.queues().contains(EMBED_QUEUE)) {
      labelDevices(context, EMBED_QUEUE, devices);
      // One range per device slot (as many as finetune cells): a range leases its slot for its
      // whole run.
      Worker embed = deviceWorker(factory, EMBED_QUEUE, plan.gpuSlots());
      // A pool of its own over the same slots: an extraction never waits for a slot that a
      // finetune cell holds for hours; a device runs at most one of each.
      EmbeddingActivitiesImpl ranges =
          new EmbeddingActivitiesImpl(
              context, manifests, devices.twin(), settings.embedShardSize());
      held.add(ranges);
      embed.registerActivitiesImplementations(ranges);
    }
    if (plan.queues().contains(GPU_QUEUE)) {
      // LabelcurveGpuWorkerOnCpu fires on device="cpu".
      labelDevices(context, GPU_QUEUE, devices);
      if (devices.onCpu()) {
        log.warn(
            "{} runs on the CPU ({}): no GPU; start with --require-gpu to refuse that",
            GPU_QUEUE,
            devices);
      }
      Worker gpu = deviceWorker(factory, GPU_QUEUE, plan.gpuSlots());
      // The whole-split extraction stays here for model workflows started before the fan-out.
      EmbeddingActivitiesImpl wholeSplits =
          new EmbeddingActivitiesImpl(context, manifests, devices, settings.embedShardSize());
      held.add(wholeSplits);
      gpu.registerActivitiesImplementations(
          wholeSplits,
          new FinetuneActivitiesImpl(
              context,
              manifests,
              devices,
              settings.finetuneCheckpointEvery(),
              settings.finetuneMaxGradNorm(),
              FinetuneActivitiesImpl.defaultLoaderThreads()));
    }
    factory.start();
    log.info(
        "polling {} (workflows: {}) with {} CPU slots and GPU-queue devices {}",
        plan.queues(),
        plan.workflows() && plan.queues().contains(SweepWorkflow.TASK_QUEUE),
        plan.cpuSlots(),
        plan.devices());
    return new WorkerRuntime(factory, inFlight, held);
  }

  /** Labels {@code queue}'s device slots in /metrics. */
  private static void labelDevices(ActivityContext context, String queue, DevicePool devices) {
    for (DevicePool.Slot slot : devices.slots()) {
      context.metrics().workerDevice(queue, slot.metricLabel());
    }
  }

  /** A worker on a device queue: {@code slots} activities at once, heartbeats every 5 s. */
  private static Worker deviceWorker(WorkerFactory factory, String queue, int slots) {
    return factory.newWorker(
        queue,
        WorkerOptions.newBuilder()
            .setMaxConcurrentActivityExecutionSize(slots)
            // The SDK sends heartbeat details at most every 0.8 x the heartbeat timeout (48 s of
            // 60 s); an extraction's details are its resume position (a range's too), so send
            // them every 5 s: a killed worker's retry then loses at most the shards of the last 5
            // s.
            .setMaxHeartbeatThrottleInterval(java.time.Duration.ofSeconds(5))
            .build());
  }

  /** Activities running in this process now. */
  public int runningActivities() {
    return inFlight.count();
  }

  /**
   * Stops polling, lets the running activities end within {@code period}, then interrupts those
   * still running ({@code shutdownNow}) and waits up to 10 s more for them. Blocks until done, so
   * that a JVM shutdown hook may call it (the JVM exits when its hooks return). A second call waits
   * for the first and returns.
   *
   * @return whether every activity ended within {@code period}
   */
  public synchronized boolean drain(Duration period) {
    if (drained) {
      return true;
    }
    drained = true;
    long t0 = System.nanoTime();
    List<String> running = inFlight.describe();
    log.info(
        "draining {} activities for up to {} s{}",
        running.size(),
        period.toSeconds(),
        running.isEmpty() ? "" : ": " + String.join(", ", running));
    factory.shutdown();
    factory.awaitTermination(period.toMillis(), TimeUnit.MILLISECONDS);
    boolean clean = factory.isTerminated();
    if (!clean) {
      log.warn(
          "{} activities still running after the {} s drain, interrupting them: {}",
          inFlight.count(),
          period.toSeconds(),
          String.join(", ", inFlight.describe()));
      factory.shutdownNow();
      factory.awaitTermination(INTERRUPT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
    // After the activities: an encoder still in use is closed by its activity when it ends.
    for (AutoCloseable c : held) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("closing {} after the drain failed: {}", c, e.toString());
      }
    }
    log.info(
        "drained in {} s ({} activities left{})",
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9),
        inFlight.count(),
        clean ? "" : ", interrupted");
    return clean;
  }

  /** {@link #drain} with the default period, unless drained already. */
  @Override
  public void close() {
    drain(Duration.ofSeconds(DEFAULT_DRAIN_SECONDS));
  }
}
