package io.labelcurve.workflows.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.DatasetActivities;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.EmbeddingActivities;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.activities.ExtractionActivities;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.activities.FrameShardRange;
import io.labelcurve.workflows.activities.FrameStoreRequest;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.labelcurve.workflows.activities.ProbeCellRequest;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The orchestration on Temporal's test server: planning, one child per model, the bounded window,
 * failed cells counted and not fatal, bad specs refused before any embedding. The activities here
 * are small in-memory implementations recording what they were asked; the real ones run in the
 * worker module's integration test.
 */
class SweepWorkflowTest {
  static final DatasetSummary DATASET =
      new DatasetSummary(
          "s3://b/datasets/d/manifest.csv",
          "abc123",
          List.of("a", "b"),
          "train",
          40,
          200,
          Map.of("a", 4, "b", 3),
          Map.of("T1", 10, "T2", 5));

  // The extension gives the test server and a client; the workers are the real queues' own.
  @RegisterExtension
  static final TestWorkflowExtension testWorkflow =
      TestWorkflowExtension.newBuilder().setDoNotStart(true).build();

  static SweepSpec spec(String id, List<Integer> imageSizes, int seeds) {
    return new SweepSpec(
        id,
        DATASET.manifestUri(),
        "train",
        List.of("T1", "T2"),
        List.of("m1", "m2"),
        List.of("linear-probe"),
        List.of(
            new SamplingSpec("image", imageSizes, false),
            new SamplingSpec("sequence", List.of(1, 2), false)),
        seeds,
        "cpu-small",
        3);
  }

  /** Records calls; fails the cells whose id is in {@code failing}. */
  static final class Recorder
      implements DatasetActivities, EmbeddingActivities, ProbeActivities, ResultActivities {
    final java.util.concurrent.atomic.AtomicInteger reportsWritten =
        new java.util.concurrent.atomic.AtomicInteger();
    final List<EmbedRequest> embeds = new CopyOnWriteArrayList<>();
    final List<String> finetuned = new CopyOnWriteArrayList<>();

    /** The frame store's activities: 20 shards, so three ranges of 8. */
    final FrameStoreFake frames = new FrameStoreFake(20, embeds::size);

    /** Each finetune cell's explicit epochs, "rule" when the request carries none. */
    final Map<String, String> finetuneEpochs = new java.util.concurrent.ConcurrentHashMap<>();

    final Set<String> cellsRun = ConcurrentHashMap.newKeySet();
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    final Set<String> failing;
    volatile boolean resultsWritten;

    /** Models whose failure list cannot be written, for good: their model workflow fails. */
    volatile Set<String> brokenBookkeeping = Set.of();

    /** The cells of this model wait until a broken bookkeeping call has happened. */
    volatile String waitsForBreakage;

    final CountDownLatch broke = new CountDownLatch(1);

    /** The bucket is down until this test-server time (ms): bucket activities fail, retryably. */
    volatile long outageUntil;

    volatile java.util.function.LongSupplier clock = () -> 0;
    final AtomicInteger outageFailures = new AtomicInteger();

    /** The size of every writeFailures call, when a test wants them. */
    volatile List<Integer> writtenParts;

    Recorder(Set<String> failing) {
      this.failing = failing;
    }

    @Override
    public DatasetSummary prepare(SweepSpec spec) {
      return DATASET;
    }

    @Override
    public EmbeddingSet embed(EmbedRequest r) {
      embeds.add(r);
      int n = r.withVariants() ? 200 : DATASET.testImages().get(r.split());
      return new EmbeddingSet(
          "embeddings/" + r.model() + "/" + r.split() + "/",
          r.model(),
          r.split(),
          n,
          1,
          8,
          n,
          0,
          1000,
          1.0,
          "test");
    }

    /** What the AWS SDK throws while S3 is down: a retryable failure. */
    void bucket(String what) {
      if (clock.getAsLong() < outageUntil) {
        outageFailures.incrementAndGet();
        throw ApplicationFailure.newFailure(
            what
                + ": Unable to execute HTTP request: Connect to"
                + " 127.0.0.1:9000 failed: Connection refused",
            "SdkClientException");
      }
    }

    @Override
    public CellResult runProbeCell(ProbeCellRequest r) {
      bucket("probe cell " + r.cell().id());
      int now = concurrent.incrementAndGet();
      maxConcurrent.accumulateAndGet(now, Math::max);
      try {
        Thread.sleep(20);
        if (r.cell().model().equals(waitsForBreakage) && !broke.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("no model workflow failed");
        }
        if (failing.contains(r.cell().id())) {
          throw ApplicationFailure.newNonRetryableFailure("boom " + r.cell().id(), "Test");
        }
        cellsRun.add(r.cell().id());
        return new CellResult(
            r.cell().id(),
            "s3://b/x",
            r.cell().size(),
            0.1,
            List.of(new CellResult.SplitScore("T1", "image", 0.5, 10)),
            false);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      } finally {
        concurrent.decrementAndGet();
      }
    }

    @Override
    public String writeSpec(SweepSpec spec, DatasetSummary dataset) {
      return "s3://b/sweeps/" + spec.id() + "/spec.json";
    }

    final Map<String, String> failuresWritten = new ConcurrentHashMap<>();

    @Override
    public String writeFailures(String sweepId, String part, Map<String, String> failures) {
      if (brokenBookkeeping.stream().anyMatch(m -> part.startsWith(m + "."))) {
        broke.countDown();
        throw ApplicationFailure.newNonRetryableFailure("S3 unavailable", "Test");
      }
      failuresWritten.putAll(failures);
      if (writtenParts != null) {
        writtenParts.add(failures.size());
      }
      return "s3://b/sweeps/" + sweepId + "/failures/" + part + ".json";
    }

    @Override
    public String writeReport(String sweepId) {
      reportsWritten.incrementAndGet();
      return "s3://b/sweeps/" + sweepId + "/report/index.html";
    }

    @Override
    public String writeResults(String sweepId) {
      bucket("results.csv");
      resultsWritten = true;
      return "s3://b/sweeps/" + sweepId + "/results.csv";
    }
  }

  private static Recorder start(TestWorkflowEnvironment env, Worker unused, Set<String> failing) {
    Recorder recorder = new Recorder(failing);
    Worker cpu = env.newWorker(SweepWorkflow.TASK_QUEUE);
    cpu.registerWorkflowImplementationTypes(
        SweepWorkflowImpl.class, ModelSweepWorkflowImpl.class, CellWorkflowImpl.class);
    cpu.registerActivitiesImplementations(recorder, recorder.frames);
    Worker gpu = env.newWorker(FinetuneActivities.TASK_QUEUE);
    gpu.registerActivitiesImplementations(new EmbeddingOnly(recorder));
    // Extraction, fanned out in two ranges per split, on its own queue.
    env.newWorker(ExtractionActivities.TASK_QUEUE)
        .registerActivitiesImplementations(
            new FanOutFake((EmbeddingActivities) recorder::embed, 2, 8));
    env.start();
    return recorder;
  }

  /** The GPU queue serves only embedding, as a GPU worker does. */
  /** The GPU queue: embedding and finetuning, as a GPU worker serves them. */
  record EmbeddingOnly(Recorder r) implements EmbeddingActivities, FinetuneActivities {
    @Override
    public EmbeddingSet embed(EmbedRequest request) {
      return r.embed(request);
    }

    @Override
    public CellResult runFinetuneCell(FinetuneCellRequest request) {
      r.finetuned.add(request.cell().id());
      r.finetuneEpochs.put(
          request.cell().id(),
          request.epochs() == null ? "rule" : String.valueOf(request.epochs()));
      return new CellResult(
          request.cell().id(),
          "s3://b/f",
          request.cell().size(),
          1.0,
          List.of(new CellResult.SplitScore("T1", "image", 0.9, 10)),
          false);
    }
  }

  @Test
  void finetuneCellsGoToTheFinetuneActivityAndNeedNoEmbeddings(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    Recorder recorder = start(env, worker, Set.of());
    SweepSpec probeAndFinetune = spec("ft", List.of(16), 1);
    probeAndFinetune =
        new SweepSpec(
            "ft",
            probeAndFinetune.dataset(),
            "train",
            probeAndFinetune.testSplits(),
            List.of("m1"),
            List.of("finetune"),
            probeAndFinetune.samplings(),
            1,
            "cpu-small",
            3);
    SweepWorkflow sweep =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("ft")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    SweepResult result = sweep.run(SweepRequest.all(probeAndFinetune));
    // 1 image size + 2 sequence sizes, one seed, finetune only
    assertEquals(3, result.cellsDone());
    assertEquals(
        Set.of("m1.finetune.image-16.s0", "m1.finetune.sequence-1.s0", "m1.finetune.sequence-2.s0"),
        Set.copyOf(recorder.finetuned));
    assertTrue(recorder.cellsRun.isEmpty(), "no probe cell");
    assertTrue(recorder.embeds.isEmpty(), "a finetune-only sweep embeds nothing");
  }

  @Test
  void aBaselineAndTable3ModelsGetTheirOwnChildAndTheSpecsEpochsReachTheActivity(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    Recorder recorder = start(env, worker, Set.of());
    SweepSpec base = spec("paperlike", List.of(16), 1);
    SweepSpec spec =
        new SweepSpec(
            "paperlike",
            base.dataset(),
            "train",
            base.testSplits(),
            List.of("m1"),
            List.of("linear-probe"),
            base.samplings(),
            1,
            "cpu-small",
            3,
            Map.of("linear-probe/sequence", 2),
            "r",
            List.of("m1", "r"),
            Map.of("sequence/1", 5));
    SweepWorkflow sweep =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("paperlike")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    SweepResult result = sweep.run(SweepRequest.all(spec));
    int pool = DATASET.trainPoolImages();
    // m1: probe image 16, sequence 1 and 2 x 2 seeds; its Table 3 cell; the baseline r at the
    // same sizes and seeds, and its Table 3 cell.
    assertEquals(5 + 1 + 5 + 1, result.cellsDone());
    assertEquals(
        List.of("m1", "r"), result.models().stream().map(ModelSweepResult::model).toList());
    assertEquals(
        Map.of(
            "m1.finetune.image-" + pool + ".s0",
            "rule",
            "r.finetune.image-16.s0",
            "rule",
            "r.finetune.sequence-1.s0",
            "5",
            "r.finetune.sequence-1.s1",
            "5",
            "r.finetune.sequence-2.s0",
            "rule",
            "r.finetune.sequence-2.s1",
            "rule",
            "r.finetune.image-" + pool + ".s0",
            "rule"),
        recorder.finetuneEpochs);
  }

  @Test
  void runsEveryCellOnceWithOneChildPerModelAndABoundedWindow(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    Recorder recorder = start(env, worker, Set.of());
    SweepWorkflow sweep =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("s1")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    SweepResult result = sweep.run(SweepRequest.all(spec("s1", List.of(16, 32, 0), 2)));

    // 2 models x (3 image sizes + 2 sequence sizes) x 2 seeds
    assertEquals(20, result.cells());
    assertEquals(20, result.cellsDone());
    assertEquals(0, result.cellsFailed());
    assertEquals(20, recorder.cellsRun.size());
    assertTrue(
        recorder.cellsRun.contains("m1.linear-probe.image-200.s1"), "size 0 resolves to the pool");
    assertTrue(recorder.maxConcurrent.get() <= 3 * 2, "window of 3 per model, 2 models");
    // Each model embeds its training pool once (with variants) and each test split once.
    assertEquals(6, recorder.embeds.size());
    assertEquals(2, recorder.embeds.stream().filter(EmbedRequest::withVariants).count());
    assertTrue(recorder.resultsWritten);
    assertEquals(1, recorder.reportsWritten.get(), "the report is written when the sweep ends");
    assertEquals("s3://b/sweeps/s1/results.csv", result.resultsUri());
    assertEquals(2, result.models().size());
    // The dataset's frame store is planned once and built in ranges of 8 shards, all of them
    // before any model embeds.
    assertEquals(
        List.of(new FrameStoreRequest(DATASET.manifestUri(), DATASET.digest())),
        recorder.frames.plans);
    assertEquals(
        Set.of(
            new FrameShardRange(recorder.frames.plans.get(0), 0, 8),
            new FrameShardRange(recorder.frames.plans.get(0), 8, 16),
            new FrameShardRange(recorder.frames.plans.get(0), 16, 20)),
        Set.copyOf(recorder.frames.ranges));
    assertEquals(List.of(0, 0, 0), recorder.frames.embedsWhenBuilt);
  }

  @Test
  void failedCellsAreCountedAndTheRestFinish(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    Recorder recorder = start(env, worker, Set.of("m2.linear-probe.sequence-2.s0"));
    SweepWorkflow sweep =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("s2")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    SweepResult result = sweep.run(SweepRequest.all(spec("s2", List.of(16), 1)));
    assertEquals(6, result.cells());
    assertEquals(5, result.cellsDone());
    assertEquals(1, result.cellsFailed());
    ModelSweepResult m2 =
        result.models().stream().filter(m -> m.model().equals("m2")).findFirst().orElseThrow();
    assertEquals(List.of("m2.linear-probe.sequence-2.s0"), m2.failedCellIds());
    assertTrue(m2.failedCells().get("m2.linear-probe.sequence-2.s0").contains("boom"));
    assertTrue(recorder.resultsWritten, "results of the finished cells are still written");
    assertEquals(
        Set.of("m2.linear-probe.sequence-2.s0"),
        recorder.failuresWritten.keySet(),
        "the failed cell is written where a rerun finds it");
  }

  @Test
  void aSizeLargerThanThePoolIsRefusedBeforeAnyEmbedding(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    Recorder recorder = start(env, worker, Set.of());
    SweepWorkflow sweep =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("s3")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    WorkflowFailedException e =
        assertThrows(
            WorkflowFailedException.class,
            () -> sweep.run(SweepRequest.all(spec("s3", List.of(16, 5000), 1))));
    ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals("BadInput", cause.getType());
    assertTrue(
        cause.getOriginalMessage().contains("samplings[0].sizes[1]"), cause.getOriginalMessage());
    assertTrue(cause.getOriginalMessage().contains("200"), cause.getOriginalMessage());
    assertTrue(recorder.embeds.isEmpty(), "nothing was embedded");
    assertTrue(recorder.cellsRun.isEmpty());
  }

  @Test
  void probeCellsAndBookkeepingRideOutATwentyMinuteBucketOutage(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    Recorder recorder = start(env, worker, Set.of());
    // From the first cell on, the bucket is down for 20 minutes of the test server's time (it
    // skips ahead while the workflows wait for retries).
    recorder.clock = env::currentTimeMillis;
    recorder.outageUntil = env.currentTimeMillis() + Duration.ofMinutes(20).toMillis();
    SweepWorkflow sweep =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("outage")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    SweepResult result = sweep.run(SweepRequest.all(spec("outage", List.of(16), 1)));

    assertEquals(6, result.cells());
    assertEquals(6, result.cellsDone(), "every cell, after the outage");
    assertEquals(0, result.cellsFailed());
    assertEquals(6, recorder.cellsRun.size());
    assertTrue(recorder.resultsWritten);
    assertTrue(
        recorder.outageFailures.get() >= 6,
        "each cell met the outage at least once: " + recorder.outageFailures.get());
    assertTrue(env.currentTimeMillis() >= recorder.outageUntil, "the outage was ridden out");
  }

  @Test
  void theSameSweepIdCannotStartTwice(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    start(env, worker, Set.of());
    WorkflowOptions options =
        WorkflowOptions.newBuilder()
            .setWorkflowId("dup")
            .setTaskQueue(SweepWorkflow.TASK_QUEUE)
            .build();
    SweepWorkflow first = client.newWorkflowStub(SweepWorkflow.class, options);
    WorkflowClient.start(first::run, SweepRequest.all(spec("dup", List.of(16), 1)));
    SweepWorkflow second = client.newWorkflowStub(SweepWorkflow.class, options);
    assertThrows(
        WorkflowExecutionAlreadyStarted.class,
        () -> WorkflowClient.start(second::run, SweepRequest.all(spec("dup", List.of(16), 1))));
  }

  @Test
  void aFailedModelWorkflowFailsTheSweepOnlyAfterTheOtherModelsFinished(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    // m2 fails a cell and then cannot write its failure list: its model workflow fails. m1's cells
    // are held until that happened, so they are in flight when m2 fails.
    Recorder recorder = start(env, worker, Set.of("m2.linear-probe.sequence-2.s0"));
    recorder.brokenBookkeeping = Set.of("m2");
    recorder.waitsForBreakage = "m1";
    SweepWorkflow sweep =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("s4")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    WorkflowFailedException e =
        assertThrows(
            WorkflowFailedException.class,
            () -> sweep.run(SweepRequest.all(spec("s4", List.of(16), 1))));

    ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(SweepWorkflowImpl.MODEL_FAILED, cause.getType());
    String message = cause.getOriginalMessage();
    assertTrue(message.contains("m2 (WriteFailures: S3 unavailable)"), message);
    assertFalse(message.contains("m1 ("), message);
    SweepResult result = cause.getDetails().get(SweepResult.class);
    assertEquals(Map.of("m2", "WriteFailures: S3 unavailable"), result.failedModels());
    assertEquals(6, result.cells());
    assertEquals(3, result.cellsDone(), "m1's three cells; m2 returned no counts");
    assertEquals(List.of("m1"), result.models().stream().map(ModelSweepResult::model).toList());
    assertEquals("s3://b/sweeps/s4/results.csv", result.resultsUri());

    // m1 ran to the end instead of being terminated with its cells in flight ...
    assertTrue(
        recorder.cellsRun.containsAll(
            Set.of(
                "m1.linear-probe.image-16.s0",
                "m1.linear-probe.sequence-1.s0",
                "m1.linear-probe.sequence-2.s0")),
        recorder.cellsRun.toString());
    assertEquals(
        WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
        client
            .newUntypedWorkflowStub(ModelSweepWorkflow.workflowId("s4", "m1"))
            .describe()
            .getStatus());
    assertEquals(
        WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
        client
            .newUntypedWorkflowStub(ModelSweepWorkflow.workflowId("s4", "m2"))
            .describe()
            .getStatus());
    // ... and what finished is in results.csv and the report.
    assertTrue(recorder.resultsWritten, "results.csv written although a model failed");
    assertEquals(1, recorder.reportsWritten.get(), "the report too");

    // What 'sweep status' reads: the failed model and why, after the sweep closed.
    SweepProgress progress = client.newWorkflowStub(SweepWorkflow.class, "s4").progress();
    assertEquals(SweepPhase.FAILED, progress.phase());
    assertEquals(result.failedModels(), progress.failedModels());
    assertEquals(3, progress.done());
  }

  @Test
  void childIdsOfSweepsWhoseIdsJoinTheSameWayDoNotCollide(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    // 'a' + 'b.c' and 'a.b' + 'c' were both 'a.b.c' when ids were joined with a dot.
    Recorder recorder = start(env, worker, Set.of());
    SweepSpec base = spec("x", List.of(16), 1);
    SweepSpec a =
        new SweepSpec(
            "a",
            base.dataset(),
            "train",
            base.testSplits(),
            List.of("b.c"),
            base.adaptations(),
            base.samplings(),
            1,
            "cpu-small",
            3);
    SweepSpec ab =
        new SweepSpec(
            "a.b",
            base.dataset(),
            "train",
            base.testSplits(),
            List.of("c"),
            base.adaptations(),
            base.samplings(),
            1,
            "cpu-small",
            3);
    SweepWorkflow first =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("a")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    SweepWorkflow second =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("a.b")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    WorkflowClient.start(first::run, SweepRequest.all(a));
    WorkflowClient.start(second::run, SweepRequest.all(ab));
    assertEquals(3, client.newUntypedWorkflowStub("a").getResult(SweepResult.class).cellsDone());
    assertEquals(3, client.newUntypedWorkflowStub("a.b").getResult(SweepResult.class).cellsDone());

    assertEquals(
        "a",
        client
            .newUntypedWorkflowStub(ModelSweepWorkflow.workflowId("a", "b.c"))
            .describe()
            .getParentExecution()
            .getWorkflowId());
    assertEquals(
        "a.b",
        client
            .newUntypedWorkflowStub(ModelSweepWorkflow.workflowId("a.b", "c"))
            .describe()
            .getParentExecution()
            .getWorkflowId());
    assertEquals(6, recorder.cellsRun.size());
  }

  @Test
  void aRerunsCellListReachesEachModelCutToItsOwnCells(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    Recorder recorder = start(env, worker, Set.of());
    SweepSpec spec = spec("rr", List.of(16, 32), 1);
    List<String> planned = SweepPlanner.plan(spec, DATASET).stream().map(Cell::id).toList();
    String m1Cell = planned.stream().filter(id -> id.startsWith("m1.")).findFirst().orElseThrow();
    List<String> m2Cells = planned.stream().filter(id -> id.startsWith("m2.")).limit(2).toList();
    Set<String> only = new java.util.TreeSet<>(m2Cells);
    only.add(m1Cell);
    SweepWorkflow sweep =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("rr")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    assertEquals(3, sweep.run(new SweepRequest(spec, only, false)).cellsDone());
    assertEquals(only, recorder.cellsRun);

    assertEquals(
        Set.of(m1Cell), childInput(client, ModelSweepWorkflow.workflowId("rr", "m1")).onlyCells());
    assertEquals(
        Set.copyOf(m2Cells),
        childInput(client, ModelSweepWorkflow.workflowId("rr", "m2")).onlyCells());
  }

  @Test
  void aContinuedRunWhosePlanChangedFailsLoudlyInsteadOfSkippingCells(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    Recorder recorder = start(env, worker, Set.of());
    SweepSpec spec = spec("pin", List.of(16, 32), 1);
    ModelSweepRequest first = ModelSweepRequest.first("pin", spec, "m1", DATASET, null);
    // What a continued run carries when the plan it started with had other cells.
    ModelSweepRequest continued =
        new ModelSweepRequest(
            "pin",
            spec,
            "m1",
            DATASET,
            null,
            2,
            ModelSweepRequest.Counters.ZERO,
            List.of(),
            ModelSweepRequest.digestOf(first.cells().subList(0, 3)));
    ModelSweepWorkflow model =
        client.newWorkflowStub(
            ModelSweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(ModelSweepWorkflow.workflowId("pin", "m1"))
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    WorkflowFailedException e =
        assertThrows(WorkflowFailedException.class, () -> model.run(continued));
    ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(ModelSweepWorkflowImpl.PLAN_CHANGED, cause.getType());
    assertTrue(
        cause.getOriginalMessage().contains("would skip or repeat cells"),
        cause.getOriginalMessage());
    assertTrue(recorder.cellsRun.isEmpty(), "no cell ran under the changed plan");

    // The same plan resumes.
    ModelSweepRequest same =
        new ModelSweepRequest(
            "pin",
            spec,
            "m1",
            DATASET,
            null,
            2,
            ModelSweepRequest.Counters.ZERO,
            List.of(),
            ModelSweepRequest.digestOf(first.cells()));
    ModelSweepWorkflow again =
        client.newWorkflowStub(
            ModelSweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("pin-again")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    assertEquals(first.cells().size() - 2, again.run(same).cellsDone());
  }

  @Test
  void failedCellsAreWrittenInBoundedParts(
      TestWorkflowEnvironment env, WorkflowClient client, Worker worker) {
    SweepSpec spec = spec("many", List.of(8, 16, 32, 64, 128), 90);
    Set<String> m1Cells =
        new java.util.TreeSet<>(
            SweepPlanner.plan(spec, DATASET).stream()
                .map(Cell::id)
                .filter(id -> id.startsWith("m1."))
                .toList());
    Recorder recorder = start(env, worker, m1Cells);
    recorder.writtenParts = new CopyOnWriteArrayList<>();
    SweepWorkflow sweep =
        client.newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("many")
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
    SweepResult result = sweep.run(SweepRequest.all(spec));
    assertEquals(m1Cells.size(), result.cellsFailed());
    assertTrue(m1Cells.size() > ModelSweepWorkflowImpl.FAILURES_PER_WRITE, "more than one part");
    assertEquals(m1Cells, recorder.failuresWritten.keySet(), "every failed cell, once");
    assertTrue(recorder.writtenParts.size() >= 2, recorder.writtenParts.toString());
    assertTrue(
        recorder.writtenParts.stream()
            .allMatch(n -> n <= ModelSweepWorkflowImpl.FAILURES_PER_WRITE),
        recorder.writtenParts.toString());
  }

  /** The request a child workflow was started with, from its history's first event. */
  private static ModelSweepRequest childInput(WorkflowClient client, String childId) {
    var started =
        client
            .fetchHistory(childId)
            .getHistory()
            .getEvents(0)
            .getWorkflowExecutionStartedEventAttributes();
    return io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
        started.getInput().getPayloads(0), ModelSweepRequest.class, ModelSweepRequest.class);
  }
}
