package io.labelcurve.worker;

import io.labelcurve.activities.device.DevicePool;
import io.labelcurve.activities.device.GpuDetection;
import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.activities.storage.S3Settings;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The embedded default: in one JVM, Temporal's Java test server on a port, S3Proxy over a local
 * folder, the workflow worker and activity workers for both queues, and {@code /metrics}. Further
 * {@code labelcurve worker} processes may join it (activities only).
 *
 * <p>What it is not: the test server keeps no state across a restart (a sweep running when the JVM
 * stops is gone, its finished cells stay in the bucket and a re-start reuses them), has no UI and
 * no visibility queries.
 */
public final class EmbeddedControlPlane implements AutoCloseable {
  public static final String NAMESPACE = "default";

  private final TemporalTestServer temporal;
  private final EmbeddedS3 s3;
  private final String s3Endpoint;
  private final S3BlobStore store;
  private final MetricsServer metrics;
  private final WorkflowServiceStubs stubs;
  private final WorkflowClient client;
  private final WorkerRuntime workers;
  private final ModelCatalog catalog;
  private final int temporalPort;

  private EmbeddedControlPlane(
      TemporalTestServer temporal,
      EmbeddedS3 s3,
      String s3Endpoint,
      S3BlobStore store,
      MetricsServer metrics,
      WorkflowServiceStubs stubs,
      WorkflowClient client,
      WorkerRuntime workers,
      ModelCatalog catalog,
      int temporalPort) {
    this.temporal = temporal;
    this.s3 = s3;
    this.s3Endpoint = s3Endpoint;
    this.store = store;
    this.metrics = metrics;
    this.stubs = stubs;
    this.client = client;
    this.workers = workers;
    this.catalog = catalog;
    this.temporalPort = temporalPort;
  }

  /**
   * @param dataDir folder of the bucket (S3Proxy's filesystem store), e.g. {@code ~/.labelcurve}
   * @param temporalPort Temporal's port (7233 by default)
   * @param s3Port S3Proxy's port (0: a free one)
   * @param metricsPort {@code /metrics} port (0: a free one)
   * @param catalog the models the in-process workers load
   * @param cpuSlots cells at once
   * @param queues the task queues the in-process activity workers poll (the workflow worker is
   *     always in-process, on the CPU queue); leave out {@link WorkerRuntime#EMBED_QUEUE} when
   *     separate {@code labelcurve worker} processes do the embedding, {@link
   *     WorkerRuntime#GPU_QUEUE} when they finetune, and all when they do all the activities
   * @param listen the address Temporal, S3Proxy and /metrics listen on: loopback by default, so
   *     that nothing on the network reaches an unauthenticated server; {@code 0.0.0.0} (or one
   *     interface's address) only for workers on other machines, behind a firewall
   */
  public record Options(
      Path dataDir,
      int temporalPort,
      int s3Port,
      int metricsPort,
      ModelCatalog catalog,
      int cpuSlots,
      Set<String> queues,
      String listen) {
    public static final String LOOPBACK = "127.0.0.1";

    public Options {
      queues = Set.copyOf(queues);
    }

    /** On loopback. */
    public Options(
        Path dataDir,
        int temporalPort,
        int s3Port,
        int metricsPort,
        ModelCatalog catalog,
        int cpuSlots,
        Set<String> queues) {
      this(dataDir, temporalPort, s3Port, metricsPort, catalog, cpuSlots, queues, LOOPBACK);
    }

    /** These options listening on {@code address}. */
    public Options listeningOn(String address) {
      return new Options(
          dataDir, temporalPort, s3Port, metricsPort, catalog, cpuSlots, queues, address);
    }

    /** In-process workers for every queue. */
    public Options(
        Path dataDir,
        int temporalPort,
        int s3Port,
        int metricsPort,
        ModelCatalog catalog,
        int cpuSlots) {
      this(
          dataDir,
          temporalPort,
          s3Port,
          metricsPort,
          catalog,
          cpuSlots,
          Set.copyOf(WorkerRuntime.QUEUES));
    }
  }

  public static EmbeddedControlPlane start(Options o) throws IOException {
    return start(o, null);
  }

  /**
   * The plane on a bucket of another S3 API, e.g. an S3Proxy or MinIO in a process of its own (the
   * outage tests stop it); no S3Proxy starts here and {@link #s3()} is null. {@code Options.s3Port}
   * is unused.
   */
  public static EmbeddedControlPlane startOn(Options o, S3Settings bucket) throws IOException {
    return start(o, java.util.Objects.requireNonNull(bucket));
  }

  private static EmbeddedControlPlane start(Options o, S3Settings external) throws IOException {
    // The process's edge: its environment is read here, once, before anything starts.
    WorkerSettings settings = WorkerSettings.fromEnvironment(System.getenv());
    TemporalTestServer temporal = TemporalTestServer.start(o.listen(), o.temporalPort());
    EmbeddedS3 s3 = null;
    MetricsServer metrics = null;
    try {
      if (external == null) {
        s3 = EmbeddedS3.start(o.dataDir().resolve("s3"), o.s3Port(), o.listen());
      }
      metrics = MetricsServer.start(o.listen(), o.metricsPort());
      S3Settings bucket = external != null ? external : s3.settings(S3Settings.DEFAULT_BUCKET);
      S3BlobStore store = S3BlobStore.connect(bucket);
      WorkflowServiceStubs stubs =
          new TemporalSettings("127.0.0.1:" + o.temporalPort(), NAMESPACE, null, null, null, null)
              .connect(metrics.temporalScope());
      WorkflowClient client =
          WorkflowClient.newInstance(
              stubs, WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
      // So that sweeps may carry them here as on a cluster (the test server keeps no index, but
      // rejects a workflow whose attributes it does not know).
      SearchAttributeRegistration.register(stubs, NAMESPACE);
      int threads = Runtime.getRuntime().availableProcessors();
      ActivityContext context =
          new ActivityContext(
              store,
              o.catalog().withStore(store),
              new LabelcurveMetrics(metrics.registry()),
              threads);
      WorkerRuntime workers =
          WorkerRuntime.start(
              client,
              context,
              new WorkerRuntime.Plan(
                  union(o.queues(), WorkerRuntime.CPU_QUEUE),
                  true,
                  o.cpuSlots(),
                  devices(o.queues()),
                  settings,
                  o.queues().contains(WorkerRuntime.CPU_QUEUE)));
      return new EmbeddedControlPlane(
          temporal,
          s3,
          bucket.endpoint(),
          store,
          metrics,
          stubs,
          client,
          workers,
          o.catalog(),
          o.temporalPort());
    } catch (IOException | RuntimeException e) {
      if (metrics != null) {
        metrics.close();
      }
      if (s3 != null) {
        s3.close();
      }
      temporal.close();
      throw e;
    }
  }

  /**
   * The in-process GPU queue's device slots: every GPU libtorch sees, one activity each; without
   * one, a single CPU slot (the demo's one extraction or finetune cell at a time, as before). The
   * engine is only started when the GPU queue runs here.
   */
  private static DevicePool devices(Set<String> queues) {
    if (!WorkerRuntime.pollsGpuWork(queues)) {
      return DevicePool.cpuSlots(1);
    }
    GpuDetection gpu = GpuDetection.detect();
    return gpu.gpus() > 0 ? DevicePool.gpus(gpu.gpus()) : DevicePool.cpuSlots(1);
  }

  private static Set<String> union(Set<String> a, String b) {
    Set<String> s = new java.util.HashSet<>(a);
    s.add(b);
    return s;
  }

  public WorkflowClient client() {
    return client;
  }

  public S3BlobStore store() {
    return store;
  }

  public ModelCatalog catalog() {
    return catalog;
  }

  public String temporalAddress() {
    return "127.0.0.1:" + temporalPort;
  }

  /** The S3Proxy this plane started; null when it runs on another bucket ({@link #startOn}). */
  public EmbeddedS3 s3() {
    return s3;
  }

  /** The endpoint of the plane's bucket, whoever serves it. */
  public String s3Endpoint() {
    return s3Endpoint;
  }

  public MetricsServer metrics() {
    return metrics;
  }

  /**
   * Drains the in-process workers ({@link WorkerRuntime#drain}): what they run checkpoints or
   * finishes while the server and the bucket are still up, so that a re-started sweep reuses it.
   * Blocks; {@link #close} after it does not drain again.
   */
  public boolean drain(java.time.Duration period) {
    return workers.drain(period);
  }

  @Override
  public void close() {
    // 30 s as before the drain existed: a test that closes the plane has awaited its sweep, and a
    // server about to stop cannot hand a retry to anyone anyway.
    workers.drain(java.time.Duration.ofSeconds(30));
    stubs.shutdown();
    store.close();
    if (s3 != null) {
      s3.close();
    }
    metrics.close();
    temporal.close();
  }
}
