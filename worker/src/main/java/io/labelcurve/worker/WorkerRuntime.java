package io.labelcurve.worker;

import ai.djl.Device;
import io.labelcurve.activities.dataset.DatasetActivitiesImpl;
import io.labelcurve.activities.embed.EmbeddingActivitiesImpl;
import io.labelcurve.activities.finetune.FinetuneActivitiesImpl;
import io.labelcurve.activities.probe.ProbeActivitiesImpl;
import io.labelcurve.activities.results.ResultActivitiesImpl;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.Manifests;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.workflows.sweep.ModelSweepWorkflowImpl;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.labelcurve.workflows.sweep.SweepWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers of one process: which task queues it polls, what it registers on each and how many
 * tasks it runs at once. Holds no domain logic: it wires the activity implementations to Temporal.
 */
public final class WorkerRuntime implements AutoCloseable {
  public static final String CPU_QUEUE = "labelcurve-cpu";
  public static final String GPU_QUEUE = "labelcurve-gpu";
  public static final List<String> QUEUES = List.of(CPU_QUEUE, GPU_QUEUE);
  private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);

  private final WorkerFactory factory;

  private WorkerRuntime(WorkerFactory factory) {
    this.factory = factory;
  }

  /**
   * What a worker process serves.
   *
   * @param queues task queues to poll ({@link #CPU_QUEUE}, {@link #GPU_QUEUE})
   * @param workflows also run the sweep workflows (on the CPU queue); off for activity-only
   *     workers that join the embedded server, which keeps a dead worker's workflow task forever
   * @param cpuSlots activities at once on the CPU queue (each SVM uses {@code svmThreads})
   * @param gpuSlots activities at once on the GPU queue: one per accelerator
   * @param device the accelerator the GPU queue's encoders run on (null: the engine's default)
   */
  public record Plan(Set<String> queues, boolean workflows, int cpuSlots, int gpuSlots, Device device) {
    public Plan {
      queues = Set.copyOf(queues);
      for (String q : queues) {
        if (!QUEUES.contains(q)) {
          throw new IllegalArgumentException("unknown task queue '" + q + "'; use " + QUEUES);
        }
      }
    }
  }

  /** Registers and starts polling. */
  public static WorkerRuntime start(WorkflowClient client, ActivityContext context, Plan plan) {
    context.metrics().registerModels(context.catalog().ids(), Provenance.version());
    WorkerFactory factory = WorkerFactory.newInstance(client);
    Manifests manifests = new Manifests(context.store());
    if (plan.queues().contains(CPU_QUEUE)) {
      Worker cpu = factory.newWorker(CPU_QUEUE, WorkerOptions.newBuilder()
          .setMaxConcurrentActivityExecutionSize(plan.cpuSlots())
          .build());
      if (plan.workflows()) {
        cpu.registerWorkflowImplementationTypes(SweepWorkflowImpl.class, ModelSweepWorkflowImpl.class);
      }
      cpu.registerActivitiesImplementations(
          new DatasetActivitiesImpl(context, manifests),
          new ProbeActivitiesImpl(context, manifests),
          new ResultActivitiesImpl(context));
    }
    if (plan.queues().contains(GPU_QUEUE)) {
      Worker gpu = factory.newWorker(GPU_QUEUE, WorkerOptions.newBuilder()
          .setMaxConcurrentActivityExecutionSize(plan.gpuSlots())
          // The SDK sends heartbeat details at most every 0.8 x the heartbeat timeout (48 s of
          // 60 s); the extraction's details are its resume position, so send them every 5 s:
          // a killed worker's retry then loses at most the shards of the last 5 s.
          .setMaxHeartbeatThrottleInterval(java.time.Duration.ofSeconds(5))
          .build());
      gpu.registerActivitiesImplementations(
          new EmbeddingActivitiesImpl(context, manifests, plan.device()),
          new FinetuneActivitiesImpl(context, manifests));
    }
    factory.start();
    log.info("polling {} (workflows: {}) with {} CPU and {} GPU slots", plan.queues(),
        plan.workflows() && plan.queues().contains(SweepWorkflow.TASK_QUEUE), plan.cpuSlots(),
        plan.gpuSlots());
    return new WorkerRuntime(factory);
  }

  @Override
  public void close() {
    // Let running activities finish their current shard or cell before the process goes.
    factory.shutdown();
    factory.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
  }
}
