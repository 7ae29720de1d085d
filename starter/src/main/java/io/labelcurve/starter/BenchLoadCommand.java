package io.labelcurve.starter;

import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.results.ResultsCsv;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3Settings;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.worker.EmbeddedControlPlane;
import io.labelcurve.worker.TemporalSettings;
import io.labelcurve.worker.WorkerRuntime;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.labelcurve.workflows.sweep.SweepRequest;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code labelcurve bench load}: the load run of docs/BENCHMARKS.md. An embedded control plane that
 * runs only the workflows, {@code --workers} worker processes that run every activity, a sweep of
 * at least {@code --cells} probe cells of the built-in random ResNet-18 on the tiny phantom (its
 * embeddings cached first by a one-cell sweep), and one worker, chosen at random, SIGKILLed and
 * started again every {@code --kill-every} seconds for {@code --minutes}. Then the sweep runs to
 * its end undisturbed, and the run reports cells per minute, activity attempts and retries (from
 * the workflows' histories), and lost or duplicated cells in results.csv, which must both be 0.
 */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description =
        "Worker processes killed at random under a sweep of probe cells: throughput,"
            + " retries, lost and duplicated cells.")
final class BenchLoadCommand implements Callable<Integer> {
  static final String MODEL = "random-resnet18";

  @Option(names = "--workers", description = "worker processes (default 3)")
  int workers = 3;

  @Option(names = "--cells", description = "probe cells at least (default 2000)")
  int cells = 2000;

  @Option(names = "--minutes", description = "minutes of random kills (default 10)")
  double minutes = 10;

  @Option(names = "--kill-every", description = "seconds between kills (default 60)")
  int killEvery = 60;

  @Option(names = "--seed", description = "seed of the choice of worker to kill (default 1)")
  long seed = 1;

  @Option(names = "--dir", description = "working folder (default: a new temporary one)")
  Path dir;

  /** The image sizes of the sweep; its seeds are as many as {@code --cells} needs. */
  static final List<Integer> SIZES = List.of(16, 24, 32, 48, 64, 96);

  @Override
  public Integer call() throws Exception {
    if (workers < 1 || cells < 1 || minutes < 0 || killEvery < 1) {
      throw new UserError("--workers, --cells and --kill-every must be >= 1, --minutes >= 0");
    }
    Path work =
        dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("labelcurve-load-");
    Path models = Files.createDirectories(work.resolve("models"));
    ModelCatalog catalog = ModelCatalog.load(models);
    int seeds = (cells + SIZES.size() - 1) / SIZES.size();
    // Only the workflows run in this JVM: every activity runs in the worker processes.
    try (EmbeddedControlPlane plane =
        EmbeddedControlPlane.start(
            new EmbeddedControlPlane.Options(
                work.resolve("data"), freePort(), 0, 0, catalog, 1, Set.of()))) {
      PhantomGenerator.Summary phantom =
          PhantomGenerator.generate(work.resolve("phantom"), 5, PhantomGenerator.Scale.TINY);
      String manifest =
          plane
              .store()
              .uri(
                  DatasetUploader.upload(phantom.manifest(), plane.store(), "datasets/load/")
                      .manifestKey());
      SweepSpec spec =
          new SweepSpec(
              "load-" + Instant.now().getEpochSecond(),
              manifest,
              "train",
              List.of("T1", "T2"),
              List.of(MODEL),
              List.of("linear-probe"),
              List.of(new SamplingSpec(SamplingSpec.IMAGE, SIZES, false)),
              seeds,
              "cpu-small",
              4 * workers);
      Fleet fleet = new Fleet(plane, models, work);
      for (int i = 0; i < workers; i++) {
        fleet.start(i);
      }
      // The embeddings first, undisturbed, with one cell: the load run measures cells, not the
      // one extraction that precedes them (a kill there would cost a heartbeat timeout each).
      SweepSpec warmUp =
          new SweepSpec(
              spec.id() + "-embeddings",
              manifest,
              "train",
              spec.testSplits(),
              spec.models(),
              spec.adaptations(),
              List.of(new SamplingSpec(SamplingSpec.IMAGE, List.of(SIZES.get(0)), false)),
              1,
              spec.preset(),
              1);
      long w0 = System.nanoTime();
      startSweep(plane, warmUp).getResult(30, TimeUnit.MINUTES, SweepResult.class);
      System.out.printf(
          Locale.ROOT,
          "embeddings cached by a one-cell sweep in %.0f s%n",
          (System.nanoTime() - w0) / 1e9);
      System.out.printf(
          Locale.ROOT,
          "load run: %d workers, sweep %s of %d cells (%d sizes x %d"
              + " seeds), a random worker killed every %d s for %.1f min; folder %s%n",
          workers,
          spec.id(),
          SIZES.size() * seeds,
          SIZES.size(),
          seeds,
          killEvery,
          minutes,
          work);
      WorkflowStub sweep = startSweep(plane, spec);

      long t0 = System.nanoTime();
      long chaosEnds = t0 + (long) (minutes * 60e9);
      long nextKill = t0 + TimeUnit.SECONDS.toNanos(killEvery);
      SplittableRandom random = new SplittableRandom(seed);
      int kills = 0;
      int doneAtChaosEnd = -1;
      long lastLine = 0;
      while (isRunning(plane, spec.id())) {
        long now = System.nanoTime();
        if (now < chaosEnds && now >= nextKill) {
          int victim = random.nextInt(workers);
          fleet.kill(victim);
          fleet.start(victim);
          kills++;
          nextKill += TimeUnit.SECONDS.toNanos(killEvery);
        }
        if (doneAtChaosEnd < 0 && now >= chaosEnds) {
          doneAtChaosEnd = new SweepStore(plane.store(), spec.id()).finishedCells().size();
        }
        if (now - lastLine > TimeUnit.SECONDS.toNanos(30)) {
          lastLine = now;
          System.out.printf(
              Locale.ROOT,
              "%6.0f s: %d cells finished, %d kills%n",
              (now - t0) / 1e9,
              new SweepStore(plane.store(), spec.id()).finishedCells().size(),
              kills);
        }
        Thread.sleep(500);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (doneAtChaosEnd < 0) {
        doneAtChaosEnd = new SweepStore(plane.store(), spec.id()).finishedCells().size();
      }
      SweepResult result = sweep.getResult(1, TimeUnit.MINUTES, SweepResult.class);
      fleet.stopAll();
      System.out.println(
          report(
              plane,
              spec,
              result,
              seconds,
              Math.min(seconds, minutes * 60),
              doneAtChaosEnd,
              kills));
      return result.cellsDone() == result.cells() ? 0 : 1;
    }
  }

  private String report(
      EmbeddedControlPlane plane,
      SweepSpec spec,
      SweepResult result,
      double seconds,
      double chaosSeconds,
      int doneInChaos,
      int kills)
      throws IOException {
    Attempts attempts = new Attempts();
    attempts.add(plane.client(), spec.id());
    attempts.add(plane.client(), ModelSweepWorkflow.workflowId(spec.id(), MODEL));
    Map<String, Integer> rows = new HashMap<>();
    String csv = new SweepStore(plane.store(), spec.id()).readResults().orElseThrow();
    int rowsPerCell = 2 * spec.testSplits().size(); // image and sequence level per split
    for (ResultsCsv.Row r : ResultsCsv.parse(csv)) {
      rows.merge(r.cell(), 1, Integer::sum);
    }
    long duplicated = rows.values().stream().filter(n -> n > rowsPerCell).count();
    int lost = result.cells() - rows.size();
    return String.format(
        Locale.ROOT,
        """
        | | |
        | --- | --- |
        | cells planned / done / failed | %d / %d / %d |
        | wall time | %.1f min (%.1f min with kills, %d kills) |
        | cells per minute, with kills | %.1f |
        | cells per minute, whole run | %.1f |
        | activity executions | %d (%s) |
        | executions that needed a retry | %d, %d retries in all (%s) |
        | lost cells (planned, not in results.csv) | %d |
        | duplicated cells (more than one row per split and level) | %d |""",
        result.cells(),
        result.cellsDone(),
        result.cellsFailed(),
        seconds / 60,
        chaosSeconds / 60,
        kills,
        doneInChaos / (chaosSeconds / 60),
        result.cellsDone() / (seconds / 60),
        attempts.executions(),
        attempts.byType,
        attempts.retried(),
        attempts.retries(),
        attempts.retriesByType,
        lost,
        duplicated);
  }

  /** Attempts of the activities of a workflow, over all its runs (continue-as-new included). */
  static final class Attempts {
    final Map<String, Integer> byType = new TreeMap<>();
    final Map<String, Integer> retriesByType = new TreeMap<>();
    final List<Integer> attempts = new ArrayList<>();

    void add(WorkflowClient client, String workflowId) {
      WorkflowExecutionHistory history = client.fetchHistory(workflowId);
      while (true) {
        String previous = "";
        for (HistoryEvent e : history.getHistory().getEventsList()) {
          if (e.hasWorkflowExecutionStartedEventAttributes()) {
            previous = e.getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
          }
          if (e.hasActivityTaskScheduledEventAttributes()) {
            byType.merge(
                e.getActivityTaskScheduledEventAttributes().getActivityType().getName(),
                1,
                Integer::sum);
          }
        }
        Map<Long, String> typeOfScheduled = new HashMap<>();
        for (HistoryEvent e : history.getHistory().getEventsList()) {
          if (e.hasActivityTaskScheduledEventAttributes()) {
            typeOfScheduled.put(
                e.getEventId(),
                e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
          }
          if (e.hasActivityTaskStartedEventAttributes()) {
            var started = e.getActivityTaskStartedEventAttributes();
            attempts.add(started.getAttempt());
            if (started.getAttempt() > 1) {
              retriesByType.merge(
                  typeOfScheduled.get(started.getScheduledEventId()),
                  started.getAttempt() - 1,
                  Integer::sum);
            }
          }
        }
        if (previous.isEmpty()) {
          return;
        }
        history = client.fetchHistory(workflowId, previous);
      }
    }

    int executions() {
      return attempts.size();
    }

    long retried() {
      return attempts.stream().filter(a -> a > 1).count();
    }

    int retries() {
      return attempts.stream().mapToInt(a -> a - 1).sum();
    }
  }

  /** The worker processes, each a {@code labelcurve worker} JVM polling both queues. */
  private static final class Fleet {
    private final EmbeddedControlPlane plane;
    private final Path models;
    private final Path logs;
    private final Map<Integer, Process> running = new HashMap<>();
    private final Map<Integer, Integer> generation = new HashMap<>();

    Fleet(EmbeddedControlPlane plane, Path models, Path logs) {
      this.plane = plane;
      this.models = models;
      this.logs = logs;
    }

    void start(int slot) throws IOException {
      int gen = generation.merge(slot, 1, Integer::sum);
      ProcessBuilder pb =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  Labelcurve.class.getName(),
                  "worker",
                  "--queues",
                  String.join(",", WorkerRuntime.QUEUES),
                  "--no-workflows",
                  "--cpu-slots",
                  "2",
                  "--metrics-port",
                  "0",
                  "--metrics-bind",
                  "127.0.0.1",
                  "--models",
                  models.toString())
              .redirectErrorStream(true)
              .redirectOutput(logs.resolve("worker-" + slot + "-" + gen + ".log").toFile());
      Map<String, String> env = pb.environment();
      env.put(TemporalSettings.ENV_ADDRESS, plane.temporalAddress());
      env.put(S3Settings.ENV_ENDPOINT, plane.s3Endpoint());
      env.put(S3Settings.ENV_ACCESS_KEY, EmbeddedS3.ACCESS_KEY);
      env.put(S3Settings.ENV_SECRET_KEY, EmbeddedS3.SECRET_KEY);
      running.put(slot, pb.start());
    }

    /** SIGKILL: no drain, no shutdown hook; what ran there waits for its heartbeat timeout. */
    void kill(int slot) throws InterruptedException {
      Process p = running.remove(slot);
      if (p != null) {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }

    void stopAll() throws InterruptedException {
      for (Integer slot : List.copyOf(running.keySet())) {
        kill(slot);
      }
    }
  }

  private static WorkflowStub startSweep(EmbeddedControlPlane plane, SweepSpec spec) {
    SweepWorkflow typed =
        plane
            .client()
            .newWorkflowStub(
                SweepWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(spec.id())
                    .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                    .build());
    WorkflowClient.start(typed::run, SweepRequest.all(spec));
    return WorkflowStub.fromTyped(typed);
  }

  private static boolean isRunning(EmbeddedControlPlane plane, String id) {
    return plane.client().newUntypedWorkflowStub(id).describe().getStatus()
        == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
