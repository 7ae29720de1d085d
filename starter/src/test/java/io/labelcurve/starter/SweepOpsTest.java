package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.activities.storage.S3Settings;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.DatasetActivities;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.EmbeddingActivities;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.activities.ExtractionActivities;
import io.labelcurve.workflows.activities.ExtractionPlan;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.activities.FinishRequest;
import io.labelcurve.workflows.activities.FrameShardRange;
import io.labelcurve.workflows.activities.FrameShardsBuilt;
import io.labelcurve.workflows.activities.FrameStoreActivities;
import io.labelcurve.workflows.activities.FrameStorePlan;
import io.labelcurve.workflows.activities.FrameStoreRequest;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.labelcurve.workflows.activities.ProbeCellRequest;
import io.labelcurve.workflows.activities.RangeRequest;
import io.labelcurve.workflows.activities.RangeResult;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.CellWorkflowImpl;
import io.labelcurve.workflows.sweep.ModelSweepWorkflowImpl;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.labelcurve.workflows.sweep.SweepWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rerun, duplicate start and cancel through the real workflows and the real CLI code, on a
 * port-bound Temporal test server and S3Proxy. The activities are small in-test ones that write
 * cell files to the bucket as the real ones do, fail chosen cells once, and record what ran.
 */
class SweepOpsTest {
  static final DatasetSummary DATASET =
      new DatasetSummary(
          "s3://labelcurve/datasets/d/manifest.csv",
          "abc",
          List.of("a", "b"),
          "train",
          100,
          1000,
          Map.of("a", 5, "b", 5),
          Map.of("T1", 10));

  @TempDir Path dir;
  TestServer.PortBoundTestServer server;
  EmbeddedS3 s3;
  S3BlobStore store;
  WorkflowServiceStubs stubs;
  WorkflowClient client;
  WorkerFactory factory;
  Fake fake;
  int port;

  /** The frame store of the fake's dataset, which has no image files: nothing to build. */
  static final class NoFrames implements FrameStoreActivities {
    @Override
    public FrameStorePlan planFrames(FrameStoreRequest request) {
      return new FrameStorePlan("frames/" + request.datasetDigest() + "/", 0, 0);
    }

    @Override
    public FrameShardsBuilt buildFrameShards(FrameShardRange range) {
      throw new IllegalStateException("a plan of no shards has no range to build: " + range);
    }
  }

  /** Extraction whose every split is in the cache already (the embeddings are not under test). */
  final class CachedExtraction implements ExtractionActivities {
    @Override
    public ExtractionPlan planExtraction(EmbedRequest r) {
      return new ExtractionPlan("e/", 10, 8, 2, fake.embed(r));
    }

    @Override
    public RangeResult extractRange(RangeRequest r) {
      throw new IllegalStateException("a cached split schedules no range");
    }

    @Override
    public EmbeddingSet finishExtraction(FinishRequest r) {
      throw new IllegalStateException("a cached split needs no finishing");
    }
  }

  /** Activities that write what the real ones write, minus the computing. */
  final class Fake
      implements DatasetActivities,
          EmbeddingActivities,
          ProbeActivities,
          ResultActivities,
          FinetuneActivities {
    final java.util.concurrent.atomic.AtomicInteger reportsWritten =
        new java.util.concurrent.atomic.AtomicInteger();
    final Set<String> failOnce = ConcurrentHashMap.newKeySet();

    /** Models whose failure list cannot be written, for good (their workflow fails). */
    final Set<String> failuresUnwritable = ConcurrentHashMap.newKeySet();

    final Map<String, Integer> runs = new ConcurrentHashMap<>();
    volatile long cellMillis;

    @Override
    public DatasetSummary prepare(SweepSpec spec) {
      return DATASET;
    }

    @Override
    public EmbeddingSet embed(EmbedRequest r) {
      return new EmbeddingSet("e/", r.model(), r.split(), 10, 1, 8, 10, 0, 1, 1.0, "test");
    }

    @Override
    public CellResult runProbeCell(ProbeCellRequest r) {
      String id = r.cell().id();
      runs.merge(id, 1, Integer::sum);
      if (failOnce.remove(id)) {
        throw ApplicationFailure.newNonRetryableFailure("chosen to fail: " + id, "Test");
      }
      try {
        Thread.sleep(cellMillis);
        // A placeholder record: SweepOps counts cells by key, never reads them.
        store.put(
            new SweepStore(store, r.sweepId()).cellKey(id), "{}".getBytes(StandardCharsets.UTF_8));
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return new CellResult(id, "s3://x", 1, 0, List.of(), false);
    }

    /** Finetune cells in flight now; a finetune cell takes {@link #finetuneMillis}. */
    final java.util.concurrent.atomic.AtomicInteger finetunesInFlight =
        new java.util.concurrent.atomic.AtomicInteger();

    volatile long finetuneMillis;

    @Override
    public CellResult runFinetuneCell(FinetuneCellRequest r) {
      String id = r.cell().id();
      runs.merge(id, 1, Integer::sum);
      finetunesInFlight.incrementAndGet();
      try {
        // Heartbeats as the trainer's steps do: a cancellation of the cell would reach it here.
        long end = System.currentTimeMillis() + finetuneMillis;
        while (System.currentTimeMillis() < end) {
          io.temporal.activity.Activity.getExecutionContext().heartbeat(id);
          Thread.sleep(50);
        }
        // A placeholder record: SweepOps counts cells by key, never reads them.
        store.put(
            new SweepStore(store, r.sweepId()).cellKey(id), "{}".getBytes(StandardCharsets.UTF_8));
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      } finally {
        finetunesInFlight.decrementAndGet();
      }
      return new CellResult(id, "s3://x", 1, 0, List.of(), false);
    }

    @Override
    public String writeSpec(SweepSpec spec, DatasetSummary dataset) {
      try {
        return new SweepStore(store, spec.id()).writeSpec(spec, dataset, Map.of(), "test");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public String writeFailures(String sweepId, String part, Map<String, String> failures) {
      if (failuresUnwritable.stream().anyMatch(part::startsWith)) {
        throw ApplicationFailure.newNonRetryableFailure("bucket unavailable", "Test");
      }
      try {
        return new SweepStore(store, sweepId).writeFailures(part, failures);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public String writeReport(String sweepId) {
      reportsWritten.incrementAndGet();
      return new SweepStore(store, sweepId).reportUri();
    }

    @Override
    public String writeResults(String sweepId) {
      try {
        SweepStore sweep = new SweepStore(store, sweepId);
        return sweep.writeResults("cells," + sweep.finishedCells().size() + "\n");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @BeforeEach
  void start() throws IOException {
    port = LabelcurveProcesses.freePort();
    server = TestServer.createPortBoundServer(port);
    s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
    store = S3BlobStore.connect(s3.settings(S3Settings.DEFAULT_BUCKET));
    // The CLI takes S3 credentials from the environment (the AWS SDK's default chain).
    System.setProperty("aws.accessKeyId", EmbeddedS3.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", EmbeddedS3.SECRET_KEY);
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
    client =
        WorkflowClient.newInstance(
            stubs, WorkflowClientOptions.newBuilder().setNamespace("default").build());
    factory = WorkerFactory.newInstance(client);
    fake = new Fake();
    var cpu =
        factory.newWorker(
            SweepWorkflow.TASK_QUEUE,
            WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(4).build());
    cpu.registerWorkflowImplementationTypes(
        SweepWorkflowImpl.class, ModelSweepWorkflowImpl.class, CellWorkflowImpl.class);
    cpu.registerActivitiesImplementations(fake, new NoFrames());
    var gpu =
        factory.newWorker(
            "labelcurve-gpu",
            WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(2).build());
    gpu.registerActivitiesImplementations(
        (EmbeddingActivities) fake::embed, (FinetuneActivities) fake::runFinetuneCell);
    factory
        .newWorker(ExtractionActivities.TASK_QUEUE)
        .registerActivitiesImplementations(new CachedExtraction());
    factory.start();
  }

  @AfterEach
  void stop() {
    factory.shutdownNow();
    stubs.shutdownNow();
    store.close();
    s3.close();
    server.close();
  }

  static SweepSpec spec(String id, int seeds, int window) {
    return new SweepSpec(
        id,
        DATASET.manifestUri(),
        "train",
        List.of("T1"),
        List.of("m1", "m2"),
        List.of("linear-probe"),
        List.of(
            new SamplingSpec("image", List.of(8, 16, 32), false),
            new SamplingSpec("sequence", List.of(1, 2), false)),
        seeds,
        "cpu-small",
        window,
        Map.of("linear-probe/sequence", seeds + 1));
  }

  String[] cli(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--temporal",
            "127.0.0.1:" + port,
            "--s3-endpoint",
            s3.endpoint(),
            "--bucket",
            S3Settings.DEFAULT_BUCKET));
    return all.toArray(String[]::new);
  }

  SweepResult await(String id) throws Exception {
    return client.newUntypedWorkflowStub(id).getResult(60, TimeUnit.SECONDS, SweepResult.class);
  }

  @Test
  void rerunFailedOnlyRunsExactlyTheFailedCellsAndCompletesTheSweep() throws Exception {
    SweepSpec spec = spec("rr", 2, 3);
    List<String> planned = SweepPlanner.plan(spec, DATASET).stream().map(Cell::id).toList();
    assertEquals(2 * (3 * 2 + 2 * 3), planned.size(), "seeds_per gives sequence cells 3 seeds");
    Set<String> chosen = new TreeSet<>(List.of(planned.get(1), planned.get(7), planned.get(20)));
    fake.failOnce.addAll(chosen);
    SweepLauncher.start(client, spec);
    SweepResult first = await("rr");
    assertEquals(planned.size() - 3, first.cellsDone());
    assertEquals(3, first.cellsFailed());
    // A sweep that ended with failed cells: watch exits 1, status reports it and exits 0.
    assertEquals(
        ExitCode.CELLS_FAILED.code(),
        Labelcurve.run(cli("sweep", "watch", "rr", "--interval", "0.1")));
    assertEquals(ExitCode.OK.code(), Labelcurve.run(cli("sweep", "status", "rr", "-o", "json")));

    // Through the CLI, as a user would, with connection flags only.
    Map<String, Integer> before = Map.copyOf(fake.runs);
    assertEquals(0, Labelcurve.run(cli("sweep", "rerun", "rr", "--failed-only")));
    SweepResult second = await("rr");
    assertEquals(3, second.cells());
    assertEquals(3, second.cellsDone());
    assertEquals(0, second.cellsFailed());
    assertEquals(
        ExitCode.OK.code(), Labelcurve.run(cli("sweep", "watch", "rr", "--interval", "0.1")));
    for (String id : planned) {
      int expected = chosen.contains(id) ? 2 : 1;
      assertEquals(expected, fake.runs.get(id), id + " ran " + fake.runs.get(id) + " times");
    }
    assertEquals(before.keySet(), fake.runs.keySet());
    SweepOps.Status status = SweepOps.status(client, store, "rr");
    assertEquals(planned.size(), status.done());
    assertEquals(0, status.failed());
    assertEquals(0, status.left());
    // A finished sweep's images are its last run's, read from that run's result.
    assertTrue(second.imagesEmbedded() > 0);
    assertEquals(second.imagesEmbedded(), status.images());
    // Nothing left: a second rerun starts nothing.
    assertEquals(Set.of(), SweepOps.rerun(client, store, "rr", false, false));
  }

  @Test
  void statusNamesAFailedModelAndWhyWhileTheOtherModelsCellsAreAllDone() throws Exception {
    SweepSpec spec = spec("fm", 1, 2);
    List<String> planned = SweepPlanner.plan(spec, DATASET).stream().map(Cell::id).toList();
    String m2Cell = planned.stream().filter(id -> id.startsWith("m2")).findFirst().orElseThrow();
    fake.failOnce.add(m2Cell);
    fake.failuresUnwritable.add("m2");
    SweepLauncher.start(client, spec);
    WorkflowFailedException failed = assertThrows(WorkflowFailedException.class, () -> await("fm"));
    assertTrue(failed.getCause().getMessage().contains("m2"), failed.getCause().getMessage());

    SweepOps.Status status = SweepOps.status(client, store, "fm");
    assertEquals("FAILED", status.state());
    assertEquals(Set.of("m2"), status.failedModels().keySet());
    assertTrue(
        status.failedModels().get("m2").contains("bucket unavailable"),
        status.failedModels().toString());
    long m1Cells = planned.stream().filter(id -> id.startsWith("m1")).count();
    assertTrue(status.done() >= m1Cells, status.toString());
    String line = SweepOps.line(status);
    assertTrue(line.contains("model m2 failed: ") && line.contains("bucket unavailable"), line);
    assertEquals(status.failedModels(), SweepOps.json(status).get("failed_models"));
    // A failed sweep: watch exits 4; a sweep that does not exist is bad input (2).
    assertEquals(ExitCode.SWEEP_FAILED.code(), Labelcurve.run(cli("sweep", "watch", "fm")));
    assertEquals(ExitCode.BAD_INPUT.code(), Labelcurve.run(cli("sweep", "status", "no-such")));
  }

  @Test
  void theSameSweepIdIsRefusedAndCancelStopsNewCellsKeepingFinishedOnes() throws Exception {
    fake.cellMillis = 150;
    SweepSpec spec = spec("cx", 3, 1);
    int planned = SweepPlanner.plan(spec, DATASET).size();
    SweepLauncher.start(client, spec);
    UserError dup = assertThrows(UserError.class, () -> SweepLauncher.start(client, spec));
    assertTrue(dup.getMessage().contains("already exists"), dup.getMessage());

    // Let some cells finish, then cancel through the CLI.
    long deadline = System.currentTimeMillis() + 30_000;
    while (new SweepStore(store, "cx").finishedCells().size() < 3
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, Labelcurve.run(cli("sweep", "cancel", "cx")));
    WorkflowStub stub = client.newUntypedWorkflowStub("cx");
    WorkflowFailedException e =
        assertThrows(
            WorkflowFailedException.class,
            () -> stub.getResult(60, TimeUnit.SECONDS, SweepResult.class));
    assertInstanceOf(CanceledFailure.class, e.getCause());
    int ranAtCancel = fake.runs.size();
    Thread.sleep(1000);
    assertEquals(ranAtCancel, fake.runs.size(), "no cell starts after the cancel");
    assertTrue(ranAtCancel < planned, ranAtCancel + " of " + planned + " cells ran");
    Set<String> finished = new SweepStore(store, "cx").finishedCells();
    assertTrue(finished.size() >= 3, "finished results stay: " + finished);
    String csv = new SweepStore(store, "cx").readResults().orElseThrow();
    assertEquals("cells," + finished.size() + "\n", csv, "results.csv has what finished");
    SweepOps.Status status = SweepOps.status(client, store, "cx");
    assertEquals("CANCELED", status.state());
    assertEquals(finished.size(), status.done());
    // A cancelled sweep: watch exits 4, as a failed one.
    assertEquals(ExitCode.SWEEP_FAILED.code(), Labelcurve.run(cli("sweep", "watch", "cx")));

    // Starting it again is still refused; a rerun runs only the missing cells.
    assertThrows(UserError.class, () -> SweepLauncher.start(client, spec));
    fake.cellMillis = 0;
    Set<String> rerun = SweepOps.rerun(client, store, "cx", false, false);
    assertEquals(planned - finished.size(), rerun.size());
    assertFalse(rerun.stream().anyMatch(finished::contains));
    SweepResult r = await("cx");
    assertEquals(rerun.size(), r.cellsDone());
    assertEquals(planned, new SweepStore(store, "cx").finishedCells().size());
    assertTrue(fake.runs.values().stream().allMatch(n -> n == 1), "no finished cell ran twice");
  }

  @Test
  void aRerunWhileRunningIsRefusedAndTwoRacingRerunsStartOneRunWithNoCellTwice() throws Exception {
    fake.cellMillis = 100;
    SweepSpec spec = spec("race", 2, 1);
    int planned = SweepPlanner.plan(spec, DATASET).size();
    SweepLauncher.start(client, spec);
    while (new SweepStore(store, "race").finishedCells().isEmpty()) {
      Thread.sleep(20);
    }
    // While it runs: refused, through the CLI as well (an error exit; the sweep is untouched).
    UserError running =
        assertThrows(UserError.class, () -> SweepOps.rerun(client, store, "race", false, false));
    assertTrue(running.getMessage().contains("still running"), running.getMessage());
    org.junit.jupiter.api.Assertions.assertNotEquals(
        0, Labelcurve.run(cli("sweep", "rerun", "race")));
    assertEquals(0, Labelcurve.run(cli("sweep", "cancel", "race")));
    assertThrows(WorkflowFailedException.class, () -> await("race"));
    int finishedAtCancel = new SweepStore(store, "race").finishedCells().size();
    assertTrue(finishedAtCancel < planned, finishedAtCancel + " of " + planned);

    // Two users rerun at the same moment: one run starts, the other is refused.
    fake.cellMillis = 0;
    java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
    java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
    List<java.util.concurrent.Future<Object>> outcomes = new java.util.ArrayList<>();
    for (int i = 0; i < 2; i++) {
      outcomes.add(
          two.submit(
              () -> {
                together.await();
                try {
                  return SweepOps.rerun(client, store, "race", false, false);
                } catch (UserError e) {
                  return e;
                }
              }));
    }
    List<Object> results = new java.util.ArrayList<>();
    for (var f : outcomes) {
      results.add(f.get(60, TimeUnit.SECONDS));
    }
    two.shutdown();
    long refused = results.stream().filter(UserError.class::isInstance).count();
    // Both may also succeed one after the other when the first run ends before the second
    // starts; then the second finds its cells finished and runs none again (read back).
    assertTrue(refused <= 1, results.toString());
    SweepResult last = await("race");
    assertEquals(0, last.cellsFailed());
    assertEquals(planned, new SweepStore(store, "race").finishedCells().size());
    assertTrue(
        fake.runs.values().stream().allMatch(n -> n == 1), "no cell ran twice: " + fake.runs);
    assertEquals(planned, fake.runs.size());
  }

  @Test
  void cancelDuringFinetuneLetsTheCellFinishOnceAndTheRerunRunsOnlyTheRest() throws Exception {
    fake.finetuneMillis = 1_500;
    SweepSpec spec =
        new SweepSpec(
            "ftc",
            DATASET.manifestUri(),
            "train",
            List.of("T1"),
            List.of("m1"),
            List.of("finetune"),
            List.of(new SamplingSpec("image", List.of(8, 16, 32), false)),
            2,
            "cpu-small",
            2);
    int planned = SweepPlanner.plan(spec, DATASET).size();
    SweepLauncher.start(client, spec);
    long deadline = System.currentTimeMillis() + 30_000;
    while (fake.finetunesInFlight.get() == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(fake.finetunesInFlight.get() > 0, "a finetune cell is in flight");
    assertEquals(0, Labelcurve.run(cli("sweep", "cancel", "ftc")));
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> await("ftc"));
    assertInstanceOf(CanceledFailure.class, e.getCause());
    Set<String> finished = new SweepStore(store, "ftc").finishedCells();
    assertEquals(
        fake.runs.keySet(),
        finished,
        "the cells in flight at the cancel finished and were recorded");
    assertTrue(finished.size() < planned, finished.size() + " of " + planned);

    fake.finetuneMillis = 0;
    Set<String> rerun = SweepOps.rerun(client, store, "ftc", false, false);
    assertFalse(rerun.stream().anyMatch(finished::contains));
    await("ftc");
    assertEquals(planned, new SweepStore(store, "ftc").finishedCells().size());
    assertTrue(
        fake.runs.values().stream().allMatch(n -> n == 1),
        "no finetune cell ran twice: " + fake.runs);
  }
}
