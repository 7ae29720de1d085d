package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.labelcurve.activities.adapter.EmbeddingActivitiesImpl;
import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.embed.EmbeddingExtractor;
import io.labelcurve.activities.embed.EmbeddingReader;
import io.labelcurve.activities.embed.Encoder;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.embed.ExtractionJob;
import io.labelcurve.activities.image.DatasetImages;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.storage.S3Settings;
import io.labelcurve.worker.EmbeddedControlPlane;
import io.labelcurve.worker.WorkerRuntime;
import io.labelcurve.worker.WorkerSettings;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.labelcurve.workflows.sweep.SweepRequest;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the process of an embedding worker ({@code labelcurve worker --queues labelcurve-gpu
 * --no-workflows}, a real separate JVM) in the middle of the training split's extraction, starts
 * another one, and checks that the retry resumed after the last finished shard: shards stored
 * before the kill are not written again (same bytes, same modification time), the second worker
 * logs the heartbeat position it resumed after, and the stored embeddings equal an uninterrupted
 * extraction's.
 *
 * <p>The embedded control plane's own workers poll only {@code labelcurve-cpu} (the workflow worker
 * stays in the server's JVM, see DESIGN.md). The model is the built-in random ResNet-18 at the
 * {@code cpu-small} preset, slow enough on a CPU (tens of images per second) to be killed mid-way;
 * shards of 48 images. The worker is killed once the server holds a heartbeat saying shards 0..2
 * (or more) are stored. The retry starts once the killed attempt's heartbeat times out (60 s), so
 * this test takes three to six minutes on 2 cores.
 */
class KilledEmbeddingWorkerIT {
  static final String MODEL = "random-resnet18";
  static final int SHARD = 48;

  /**
   * The drain test's shards: a range is one shard of the tiny phantom's training split, and since a
   * worker keeps its encoder loaded between ranges a range of 48 images takes about a second, too
   * little for a SIGTERM to find one running with batches to go (the drain lets a range that ends
   * meanwhile finish, and nothing is retried). 240 images are 15 batches, seconds on 2 cores, and
   * the training split four shards.
   */
  static final int DRAIN_SHARD = 240;

  @TempDir Path dir;

  @Test
  void aKilledWorkersRetryResumesAfterTheLastShardAndGivesTheSameEmbeddings() throws Exception {
    Path data = dir.resolve("data");
    Path models = Files.createDirectories(dir.resolve("models"));
    ModelCatalog catalog = ModelCatalog.load(models);
    try (EmbeddedControlPlane plane =
        EmbeddedControlPlane.start(
            new EmbeddedControlPlane.Options(
                data,
                LabelcurveProcesses.freePort(),
                0,
                0,
                catalog,
                2,
                Set.of(WorkerRuntime.CPU_QUEUE)))) {
      String manifestKey = uploadPhantom(plane);
      String manifestUri = plane.store().uri(manifestKey);
      SweepSpec spec = oneCellSpec("killed-worker", manifestUri);
      SweepWorkflow sweep = sweepStub(plane, spec);
      WorkflowClient.start(sweep::run, SweepRequest.all(spec));

      Path log1 = dir.resolve("worker-1.log");
      Process first = startWorker(plane, models, log1, SHARD);
      // Wait until the server holds a heartbeat of the training split's extraction that says
      // shards 0..2 or more are stored (the test split has 2 shards, so it is the training
      // split's), while the split is not finished; then kill the worker.
      String trainPrefix =
          LabelcurveProcesses.killWhen(
              first,
              log1,
              8,
              200,
              "heartbeat past shard 2",
              () -> {
                String p = trainPrefix(plane);
                if (p != null && plane.store().exists(p + EmbeddingExtractor.MANIFEST)) {
                  fail(
                      "the training split finished before the worker could be killed; make the "
                          + "test's shards smaller or its model slower\n"
                          + read(log1));
                }
                return p != null && heartbeatPosition(plane, spec.id()) >= 2 ? p : null;
              });
      Map<String, Snapshot> beforeKill = snapshot(plane, data, trainPrefix);
      assertFalse(beforeKill.isEmpty());

      Path log2 = dir.resolve("worker-2.log");
      Process second = startWorker(plane, models, log2, SHARD);
      SweepResult result;
      try {
        result = WorkflowStub.fromTyped(sweep).getResult(8, TimeUnit.MINUTES, SweepResult.class);
      } finally {
        second.destroyForcibly();
        second.waitFor(30, TimeUnit.SECONDS);
      }
      assertEquals(result.cells(), result.cellsDone(), () -> result.models().toString());

      // The second worker took over the training split's ranges (the extraction is fanned out
      // in shard ranges since #15) and computed none of the shards stored before the kill again:
      // a range whose shards were all stored finds them and computes nothing …
      String secondLog = read(log2);
      Matcher m =
          Pattern.compile("train shards \\[(\\d+), (\\d+)\\) on [^:]*: (\\d+) computed")
              .matcher(secondLog);
      int ranges = 0;
      while (m.find()) {
        ranges++;
        int from = Integer.parseInt(m.group(1));
        int to = Integer.parseInt(m.group(2));
        boolean allStored = true;
        for (int shard = from; shard < to; shard++) {
          allStored &= beforeKill.containsKey(trainPrefix + EmbeddingExtractor.npyName(shard));
        }
        if (allStored) {
          assertEquals(0, Integer.parseInt(m.group(3)), m.group() + "\n" + secondLog);
        }
      }
      assertTrue(ranges > 0, "the second worker extracted no training range\n" + secondLog);
      // … and left the shards stored before the kill as they were.
      Map<String, Snapshot> after = snapshot(plane, data, trainPrefix);
      for (Map.Entry<String, Snapshot> e : beforeKill.entrySet()) {
        assertEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " was written again");
      }
      assertTrue(after.size() > beforeKill.size(), "the retry stored the remaining shards");

      // The stored embeddings equal an uninterrupted run's (same shards, same batches).
      EmbeddingReader.Embeddings resumed = EmbeddingReader.read(plane.store(), trainPrefix);
      Manifest manifest = new Manifests(plane.store()).read(manifestUri);
      List<String> ids = EmbeddingActivitiesImpl.idsOf(manifest, "train", true);
      ModelSpec modelSpec = Preset.CPU_SMALL.apply(catalog.get(MODEL));
      try (Encoder encoder = Encoders.open(catalog, modelSpec, null)) {
        EmbeddingExtractor.run(
            ExtractionJob.builder()
                .ids(ids)
                .loader(new DatasetImages(BlobImageSource.besides(plane.store(), manifestKey)))
                .encoder(encoder)
                .store(plane.store())
                .prefix("reference/train/")
                .provenance(MODEL, catalog.digest(modelSpec), "reference", "train")
                .shardSize(SHARD)
                .batchSize(Preset.CPU_SMALL.batchSize())
                .build());
      }
      EmbeddingReader.Embeddings reference =
          EmbeddingReader.read(plane.store(), "reference/train/");
      assertEquals(reference.ids(), resumed.ids());
      assertEquals(ids.size(), resumed.vectors().length);
      for (int i = 0; i < ids.size(); i++) {
        assertArrayEquals(reference.vectors()[i], resumed.vectors()[i], 1e-5f, ids.get(i));
      }
    }
  }

  /**
   * SIGTERM instead of SIGKILL, with a second worker already polling: the drained worker ends the
   * extraction between two batches and exits, and the retry resumes on the other worker within
   * seconds, after the shards stored before the SIGTERM — not after the 60 s heartbeat timeout that
   * a killed worker's retry waits for.
   */
  @Test
  void aDrainedWorkersExtractionIsResumedOnTheOtherWorkerWithinSeconds() throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    ModelCatalog catalog = ModelCatalog.load(models);
    try (EmbeddedControlPlane plane =
        EmbeddedControlPlane.start(
            new EmbeddedControlPlane.Options(
                dir.resolve("data"),
                LabelcurveProcesses.freePort(),
                0,
                0,
                catalog,
                2,
                Set.of(WorkerRuntime.CPU_QUEUE)))) {
      SweepSpec spec = oneCellSpec("drained-worker", plane.store().uri(uploadPhantom(plane)));
      SweepWorkflow sweep = sweepStub(plane, spec);
      Map<Long, Process> workers = new LinkedHashMap<>();
      Map<Long, Path> logs = new LinkedHashMap<>();
      try {
        for (int i = 1; i <= 2; i++) {
          Path log = dir.resolve("worker-" + i + ".log");
          Process p = startWorker(plane, models, log, DRAIN_SHARD);
          workers.put(p.pid(), p);
          logs.put(p.pid(), log);
        }
        WorkflowClient.start(sweep::run, SweepRequest.all(spec));
        // The worker holding the training split's extraction, once it has stored shards 0..2.
        String model = ModelSweepWorkflow.workflowId(spec.id(), MODEL);
        Process any = workers.values().iterator().next();
        long pid =
            LabelcurveProcesses.await(
                any,
                logs.get(any.pid()),
                8,
                200,
                "a training range with batches to go",
                () -> {
                  for (var a : LabelcurveProcesses.pendingActivities(plane, model)) {
                    String prefix = trainPrefix(plane);
                    if (prefix != null
                        && plane.store().exists(prefix + EmbeddingExtractor.MANIFEST)) {
                      fail("the training split finished before the worker could be stopped");
                    }
                    // A range past shard 1 (only the training split has that many shards) that
                    // has computed less than half of its shard: batches to go when the SIGTERM
                    // comes, even with the server's view of its heartbeat a few seconds behind.
                    if (prefix != null
                        && a.getActivityType().getName().equals("ExtractRange")
                        && a.hasHeartbeatDetails()
                        && positionOf(a) >= 1
                        && progressOf(a).computed() < DRAIN_SHARD / 2) {
                      String identity = a.getLastWorkerIdentity();
                      long p = Long.parseLong(identity.substring(0, identity.indexOf('@')));
                      if (workers.containsKey(p)) {
                        return p;
                      }
                    }
                  }
                  return null;
                });
        Process drained = workers.get(pid);
        Process other =
            workers.values().stream().filter(p -> p != drained).findFirst().orElseThrow();
        Path otherLog = logs.get(other.pid());
        long sigterm = System.nanoTime();
        drained.destroy(); // SIGTERM
        assertTrue(drained.waitFor(60, TimeUnit.SECONDS), read(logs.get(pid)));
        double exitSeconds = (System.nanoTime() - sigterm) / 1e9;
        // The drained range's next attempt, started on the other worker (a range of DRAIN_SHARD
        // images takes seconds, so polling every 100 ms sees it running).
        String otherId = other.pid() + "@";
        int attempt =
            LabelcurveProcesses.await(
                other,
                otherLog,
                2,
                100,
                "the drained range's retry on the other worker",
                () -> {
                  for (var a : LabelcurveProcesses.pendingActivities(plane, model)) {
                    if (a.getActivityType().getName().equals("ExtractRange")
                        && a.getAttempt() >= 2
                        && a.getLastWorkerIdentity().startsWith(otherId)) {
                      return a.getAttempt();
                    }
                  }
                  return null;
                });
        double retrySeconds = (System.nanoTime() - sigterm) / 1e9;
        System.out.printf(
            "drained worker exited %.1f s after SIGTERM; the other ran its range (attempt %d)"
                + " %.1f s after it%n",
            exitSeconds, attempt, retrySeconds);
        assertTrue(read(logs.get(pid)).contains("drained"), read(logs.get(pid)));
        // A killed worker's retry starts after the 60 s heartbeat timeout at the earliest.
        assertTrue(retrySeconds < 50, "retry " + retrySeconds + " s after the SIGTERM");

        SweepResult result =
            WorkflowStub.fromTyped(sweep).getResult(8, TimeUnit.MINUTES, SweepResult.class);
        assertEquals(result.cells(), result.cellsDone(), () -> result.models().toString());
      } finally {
        for (Process p : workers.values()) {
          p.destroyForcibly();
          p.waitFor(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** The tiny phantom in the plane's bucket; its manifest's key. */
  private String uploadPhantom(EmbeddedControlPlane plane) throws IOException {
    PhantomGenerator.Summary phantom =
        PhantomGenerator.generate(dir.resolve("phantom"), 5, PhantomGenerator.Scale.TINY);
    return DatasetUploader.upload(phantom.manifest(), plane.store(), "datasets/tiny/")
        .manifestKey();
  }

  /** One linear-probe cell of the random ResNet-18 at 16 images: the extraction is the test. */
  private static SweepSpec oneCellSpec(String id, String manifestUri) {
    return new SweepSpec(
        id,
        manifestUri,
        "train",
        List.of("T1"),
        List.of(MODEL),
        List.of("linear-probe"),
        List.of(new SamplingSpec(SamplingSpec.IMAGE, List.of(16), false)),
        1,
        "cpu-small",
        2);
  }

  private static SweepWorkflow sweepStub(EmbeddedControlPlane plane, SweepSpec spec) {
    return plane
        .client()
        .newWorkflowStub(
            SweepWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(spec.id())
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .build());
  }

  /** Size, modification time and bytes of a stored object. */
  record Snapshot(long size, long mtime, int hash) {}

  private static Map<String, Snapshot> snapshot(
      EmbeddedControlPlane plane, Path data, String prefix) throws IOException {
    Map<String, Snapshot> out = new LinkedHashMap<>();
    for (String key : plane.store().list(prefix)) {
      if (!key.contains("/part-")) {
        continue;
      }
      // S3Proxy's filesystem store: {data}/s3/{bucket}/{key}.
      Path file = data.resolve("s3").resolve(S3Settings.DEFAULT_BUCKET).resolve(key);
      assertTrue(Files.isRegularFile(file), file.toString());
      out.put(
          key,
          new Snapshot(
              Files.size(file),
              Files.getLastModifiedTime(file).toMillis(),
              Arrays.hashCode(Files.readAllBytes(file))));
    }
    return out;
  }

  /** An embedding activity's heartbeat detail: the shards stored through. */
  private static int positionOf(io.temporal.api.workflow.v1.PendingActivityInfo a) {
    io.labelcurve.activities.embed.EmbedProgress v = progressOf(a);
    return v == null ? -1 : v.shardsDoneThrough();
  }

  /** An embedding activity's heartbeat details, or null. */
  private static io.labelcurve.activities.embed.EmbedProgress progressOf(
      io.temporal.api.workflow.v1.PendingActivityInfo a) {
    return io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
        0,
        java.util.Optional.of(a.getHeartbeatDetails()),
        io.labelcurve.activities.embed.EmbedProgress.class,
        io.labelcurve.activities.embed.EmbedProgress.class);
  }

  /** The highest heartbeat detail (shards done through) of the sweep's pending embeddings. */
  private static int heartbeatPosition(EmbeddedControlPlane plane, String sweepId) {
    return LabelcurveProcesses.pendingHeartbeats(
            plane,
            ModelSweepWorkflow.workflowId(sweepId, MODEL),
            io.labelcurve.activities.embed.EmbedProgress.class)
        .stream()
        .mapToInt(io.labelcurve.activities.embed.EmbedProgress::shardsDoneThrough)
        .max()
        .orElse(-1);
  }

  private static String trainPrefix(EmbeddedControlPlane plane) throws IOException {
    for (String key : plane.store().list("embeddings/")) {
      int i = key.indexOf("/train/");
      if (key.startsWith("embeddings/" + MODEL + "-") && i > 0) {
        return key.substring(0, i + "/train/".length());
      }
    }
    return null;
  }

  private static Process startWorker(
      EmbeddedControlPlane plane, Path models, Path log, int shardSize) throws IOException {
    Map<String, String> env = LabelcurveProcesses.connectedTo(plane);
    env.put(WorkerSettings.SHARD_SIZE_ENV, null); // --shard-size decides
    return LabelcurveProcesses.start(
        log,
        env,
        List.of(
            "worker",
            "--queues",
            WorkerRuntime.GPU_QUEUE + "," + WorkerRuntime.EMBED_QUEUE,
            "--no-workflows",
            "--shard-size",
            String.valueOf(shardSize),
            "--metrics-port",
            "0",
            "--metrics-bind",
            "127.0.0.1",
            "--models",
            models.toString()));
  }

  private static String read(Path log) {
    return LabelcurveProcesses.read(log);
  }
}
