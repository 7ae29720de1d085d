package io.labelcurve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.device.DevicePool;
import io.labelcurve.activities.embed.EmbeddingReader;
import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.workflows.activities.ExtractionPlan;
import io.labelcurve.workflows.activities.RangeRequest;
import io.labelcurve.workflows.activities.RangeResult;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.labelcurve.workflows.sweep.SweepRequest;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One model's extraction spread over every device slot of a worker: the embedded control plane
 * (Temporal test server, S3Proxy) runs the workflows and CPU activities; a second worker in this
 * JVM polls the extraction queue alone with three CPU slots standing in for three GPUs. Real DJL
 * inference on the tiny TorchScript encoder. What each range ran on is read from what the range
 * recorded (its result names its slot) and where it ran from the server's history.
 */
class FannedOutExtractionTest {
  private static final int SLOTS = 3;
  private static final String MODEL = "tiny-cnn";
  private static final DataConverter JSON = DefaultDataConverter.STANDARD_INSTANCE;

  @TempDir Path dir;

  /** One range as the server saw it and as it reported itself. */
  record Range(
      RangeRequest request, String identity, long startedMs, long endedMs, RangeResult r) {}

  @Test
  void oneModelsPoolIsExtractedOnEverySlotEachRangeOnASlotOfItsOwn() throws Exception {
    Path models = dir.resolve("models/" + MODEL);
    Files.createDirectories(models);
    for (String f : List.of("model.json", "encoder.pt")) {
      Files.copy(EmbeddedSweepTest.TINY_MODEL.resolve(f), models.resolve(f));
    }
    ModelCatalog catalog = ModelCatalog.load(dir.resolve("models"));
    try (EmbeddedControlPlane plane =
        EmbeddedControlPlane.start(
            new EmbeddedControlPlane.Options(
                dir.resolve("data"),
                EmbeddedSweepTest.freePort(),
                0,
                0,
                catalog,
                2,
                Set.of(WorkerRuntime.CPU_QUEUE)))) {
      PhantomGenerator.Summary data =
          PhantomGenerator.generate(dir.resolve("phantom"), 5, PhantomGenerator.Scale.TINY);
      String manifestUri =
          plane
              .store()
              .uri(
                  DatasetUploader.upload(data.manifest(), plane.store(), "datasets/tiny/")
                      .manifestKey());
      ActivityContext context =
          new ActivityContext(
              plane.store(),
              catalog.withStore(plane.store()),
              new LabelcurveMetrics(new SimpleMeterRegistry()),
              1);
      // Shards of 64 images, so that the tiny pool (about 900 with its variants) is 15 ranges.
      WorkerRuntime extraction =
          WorkerRuntime.start(
              plane.client(),
              context,
              new WorkerRuntime.Plan(
                  Set.of(WorkerRuntime.EMBED_QUEUE),
                  false,
                  1,
                  DevicePool.cpuSlots(SLOTS),
                  WorkerSettings.fromEnvironment(Map.of()).withEmbedShardSize(64),
                  false));
      try (extraction) {
        SweepSpec spec =
            new SweepSpec(
                "fan",
                manifestUri,
                "train",
                List.of("T1"),
                List.of(MODEL),
                List.of("linear-probe"),
                List.of(new SamplingSpec(SamplingSpec.IMAGE, List.of(16), false)),
                1,
                "cpu-small",
                2);
        SweepResult result =
            plane
                .client()
                .newWorkflowStub(
                    SweepWorkflow.class,
                    WorkflowOptions.newBuilder()
                        .setWorkflowId(spec.id())
                        .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                        .build())
                .run(SweepRequest.all(spec));
        assertEquals(1, result.cellsDone(), () -> result.models().toString());

        List<HistoryEvent> events =
            plane.client().fetchHistory(ModelSweepWorkflow.workflowId("fan", MODEL)).getEvents();
        List<Range> ranges = ranges(events);
        ExtractionPlan train = trainingPlan(events);
        List<Range> trainRanges =
            ranges.stream().filter(r -> r.request().embed().withVariants()).toList();

        // The training pool's shards, each in exactly one range, in as many ranges as shards.
        assertTrue(train.shards() >= 2 * SLOTS, "pool of " + train.images() + " images");
        assertEquals(train.shards(), trainRanges.size());
        boolean[] covered = new boolean[train.shards()];
        for (Range r : trainRanges) {
          for (int s = r.request().fromShard(); s < r.request().toShard(); s++) {
            assertTrue(!covered[s], "shard " + s + " in two ranges");
            covered[s] = true;
          }
        }
        for (int s = 0; s < covered.length; s++) {
          assertTrue(covered[s], "shard " + s + " in no range");
        }

        // Every slot extracted part of the pool, as each range recorded; one worker ran them all.
        Set<String> slots = new TreeSet<>();
        ranges.forEach(r -> slots.add(r.r().device()));
        assertEquals(
            Set.of("cpu() slot 0 of 3", "cpu() slot 1 of 3", "cpu() slot 2 of 3"),
            slots,
            summary(ranges));
        assertEquals(1, ranges.stream().map(Range::identity).distinct().count());
        // Each range names the one slot it held, and each slot served several ranges in turn.
        Map<String, Long> perSlot = new HashMap<>();
        ranges.forEach(r -> perSlot.merge(r.r().device(), 1L, Long::sum));
        assertTrue(perSlot.values().stream().allMatch(n -> n >= 2), perSlot.toString());
        // And the slots ran side by side (the server's start and completion times; a slot's next
        // range may start before the server records its last completion, so this counts at
        // least two at once rather than a per-slot order).
        assertTrue(peakConcurrency(ranges) >= 2, summary(ranges));

        // The finished set is one complete set: every row, in the plan's shards.
        EmbeddingReader.Embeddings set = EmbeddingReader.read(plane.store(), train.prefix());
        assertEquals(train.images(), set.ids().size());
        assertEquals(train.shards(), set.manifest().shards());
        assertEquals(
            train.images(),
            trainRanges.stream().mapToInt(r -> r.r().computed() + r.r().fromCache()).sum());
      }
    }
  }

  private static List<Range> ranges(List<HistoryEvent> events) {
    Map<Long, RangeRequest> scheduled = new HashMap<>();
    Map<Long, HistoryEvent> started = new HashMap<>();
    List<Range> out = new ArrayList<>();
    for (HistoryEvent e : events) {
      if (e.hasActivityTaskScheduledEventAttributes()
          && e.getActivityTaskScheduledEventAttributes()
              .getActivityType()
              .getName()
              .equals("ExtractRange")) {
        scheduled.put(
            e.getEventId(),
            JSON.fromPayloads(
                0,
                Optional.of(e.getActivityTaskScheduledEventAttributes().getInput()),
                RangeRequest.class,
                RangeRequest.class));
      } else if (e.hasActivityTaskStartedEventAttributes()) {
        started.put(e.getActivityTaskStartedEventAttributes().getScheduledEventId(), e);
      } else if (e.hasActivityTaskCompletedEventAttributes()) {
        var c = e.getActivityTaskCompletedEventAttributes();
        RangeRequest request = scheduled.get(c.getScheduledEventId());
        if (request == null) {
          continue;
        }
        HistoryEvent s = started.get(c.getScheduledEventId());
        out.add(
            new Range(
                request,
                s.getActivityTaskStartedEventAttributes().getIdentity(),
                millis(s),
                millis(e),
                JSON.fromPayloads(
                    0, Optional.of(c.getResult()), RangeResult.class, RangeResult.class)));
      }
    }
    return out;
  }

  private static ExtractionPlan trainingPlan(List<HistoryEvent> events) {
    Map<Long, Boolean> training = new HashMap<>();
    for (HistoryEvent e : events) {
      if (e.hasActivityTaskScheduledEventAttributes()
          && e.getActivityTaskScheduledEventAttributes()
              .getActivityType()
              .getName()
              .equals("PlanExtraction")) {
        training.put(
            e.getEventId(),
            JSON.fromPayloads(
                    0,
                    Optional.of(e.getActivityTaskScheduledEventAttributes().getInput()),
                    io.labelcurve.workflows.activities.EmbedRequest.class,
                    io.labelcurve.workflows.activities.EmbedRequest.class)
                .withVariants());
      } else if (e.hasActivityTaskCompletedEventAttributes()
          && training.getOrDefault(
              e.getActivityTaskCompletedEventAttributes().getScheduledEventId(), false)) {
        return JSON.fromPayloads(
            0,
            Optional.of(e.getActivityTaskCompletedEventAttributes().getResult()),
            ExtractionPlan.class,
            ExtractionPlan.class);
      }
    }
    throw new AssertionError("no plan of the training pool in the model's history");
  }

  /** Split, shards, slot and server times of each range, for failure messages. */
  private static String summary(List<Range> ranges) {
    return ranges.stream()
        .map(
            r ->
                r.request().embed().split()
                    + "["
                    + r.request().fromShard()
                    + ","
                    + r.request().toShard()
                    + ") on "
                    + r.r().device()
                    + " "
                    + r.startedMs()
                    + "-"
                    + r.endedMs())
        .toList()
        .toString();
  }

  private static long millis(HistoryEvent e) {
    com.google.protobuf.Timestamp t = e.getEventTime();
    return java.time.Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toEpochMilli();
  }

  /** The most ranges running at one instant, from the server's started and completed times. */
  private static int peakConcurrency(List<Range> ranges) {
    int peak = 0;
    for (Range r : ranges) {
      long t = r.startedMs();
      int running =
          (int) ranges.stream().filter(o -> o.startedMs() <= t && t < o.endedMs()).count();
      peak = Math.max(peak, running);
    }
    return peak;
  }
}
