package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.embed.EmbedProgress;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.activities.ExtractionPlan;
import io.labelcurve.workflows.activities.FinishRequest;
import io.labelcurve.workflows.activities.RangeRequest;
import io.labelcurve.workflows.activities.RangeResult;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.history.v1.ActivityTaskCompletedEventAttributes;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The embedding progress line from a model run's history and pending activities as the server gives
 * them (the payloads encoded by the SDK's default converter, as the workers' are): a training pool
 * of 100 images and a test split of 40, in shards of 10, fanned out in ranges.
 */
class EmbeddingProgressTest {
  private static final DataConverter JSON = DefaultDataConverter.STANDARD_INSTANCE;
  private static final DatasetSummary DATASET =
      new DatasetSummary(
          "s3://b/d/manifest.csv",
          "dg",
          List.of("a", "b"),
          "train",
          50,
          100,
          Map.of("a", 3, "b", 3),
          Map.of("T1", 40));
  private static final EmbedRequest POOL =
      new EmbedRequest("s3://b/d/manifest.csv", "dg", "train", true, "m", "cpu-small");
  private static final EmbedRequest T1 =
      new EmbedRequest("s3://b/d/manifest.csv", "dg", "T1", false, "m", "cpu-small");
  private static final ExtractionPlan POOL_PLAN = new ExtractionPlan("p/train/", 100, 10, 10, null);
  private static final ExtractionPlan T1_PLAN = new ExtractionPlan("p/T1/", 40, 10, 4, null);

  /** A model run's history as it grows, event ids in order. */
  private static final class History {
    final List<HistoryEvent> events = new ArrayList<>();

    long schedule(String activityId, String type, Object input) {
      long id = events.size() + 1;
      events.add(
          HistoryEvent.newBuilder()
              .setEventId(id)
              .setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
              .setActivityTaskScheduledEventAttributes(
                  ActivityTaskScheduledEventAttributes.newBuilder()
                      .setActivityId(activityId)
                      .setActivityType(ActivityType.newBuilder().setName(type))
                      .setInput(JSON.toPayloads(input).orElseThrow()))
              .build());
      return id;
    }

    void complete(long scheduledEventId, Object result) {
      events.add(
          HistoryEvent.newBuilder()
              .setEventId(events.size() + 1)
              .setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
              .setActivityTaskCompletedEventAttributes(
                  ActivityTaskCompletedEventAttributes.newBuilder()
                      .setScheduledEventId(scheduledEventId)
                      .setResult(JSON.toPayloads(result).orElseThrow()))
              .build());
    }
  }

  static PendingActivityInfo running(String activityId, EmbedProgress heartbeat) {
    PendingActivityInfo.Builder b =
        PendingActivityInfo.newBuilder()
            .setActivityId(activityId)
            .setState(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
    if (heartbeat != null) {
      b.setHeartbeatDetails(JSON.toPayloads(heartbeat).orElseThrow());
    }
    return b.build();
  }

  static PendingActivityInfo scheduled(String activityId) {
    return PendingActivityInfo.newBuilder()
        .setActivityId(activityId)
        .setState(PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED)
        .build();
  }

  static RangeResult result(int from, int to) {
    return new RangeResult(from, to, (to - from) * 10, 0, 1392, 0.5, "cpu() slot 0 of 1", "ok");
  }

  static Optional<EmbeddingProgress.Model> progress(History h, List<PendingActivityInfo> pending) {
    return EmbeddingProgress.model("m", h.events, pending, DATASET, JSON);
  }

  @Test
  void doneOnlyRisesThroughRangesAndTheFinishedModelShows100PercentThenGoes() {
    History h = new History();
    long planPool = h.schedule("1", "PlanExtraction", POOL);
    long planT1 = h.schedule("2", "PlanExtraction", T1);
    List<Long> done = new ArrayList<>();

    // Planning: the dataset's counts, nothing started.
    EmbeddingProgress.Model m = progress(h, List.of(scheduled("1"), scheduled("2"))).orElseThrow();
    assertEquals(140, m.images());
    assertEquals(0, m.done());
    assertEquals("queued", m.state());
    done.add(m.done());

    h.complete(planPool, POOL_PLAN);
    h.complete(planT1, T1_PLAN);
    long r1 = h.schedule("3", "ExtractRange", new RangeRequest(POOL, "p/train/", 10, 0, 5));
    long r2 = h.schedule("4", "ExtractRange", new RangeRequest(POOL, "p/train/", 10, 5, 10));
    long r3 = h.schedule("5", "ExtractRange", new RangeRequest(T1, "p/T1/", 10, 0, 4));

    // Range 1 loads its model (counted from its start: nothing stored), range 2 computes.
    m =
        progress(
                h,
                List.of(
                    running("3", new EmbedProgress(-1, 0, 50, 0, 0)),
                    running("4", new EmbedProgress(6, 20, 50, 20, 4.0)),
                    scheduled("5")))
            .orElseThrow();
    assertEquals(20, m.done());
    assertEquals(5.0, m.imagesPerSecond(), 1e-9, "range 2's 20 images over its 4 s of batches");
    assertEquals("embedding", m.state());
    assertEquals(24.0, m.etaSeconds(), 1e-9);
    done.add(m.done());

    // Both compute: the rate is the sum of the running ranges' own rates.
    m =
        progress(
                h,
                List.of(
                    running("3", new EmbedProgress(0, 10, 50, 10, 1.0)),
                    running("4", new EmbedProgress(7, 30, 50, 30, 6.0)),
                    scheduled("5")))
            .orElseThrow();
    assertEquals(40, m.done());
    assertEquals(15.0, m.imagesPerSecond(), 1e-9);
    done.add(m.done());

    // Range 2 completed; the pending view still lists it with an older heartbeat: counted once,
    // with all its images.
    h.complete(r2, result(5, 10));
    m =
        progress(
                h,
                List.of(
                    running("3", new EmbedProgress(1, 20, 50, 20, 2.0)),
                    running("4", new EmbedProgress(8, 40, 50, 40, 8.0)),
                    running("5", null)))
            .orElseThrow();
    assertEquals(70, m.done());
    assertEquals(10.0, m.imagesPerSecond(), 1e-9, "range 1's rate; range 2 is done");
    done.add(m.done());

    // Range 1 measures latency after its batches, still heartbeating its last counts.
    m =
        progress(
                h,
                List.of(
                    running("3", new EmbedProgress(4, 50, 50, 50, 5.0)),
                    running("5", new EmbedProgress(-1, 0, 40, 0, 0))))
            .orElseThrow();
    assertEquals(100, m.done());
    assertEquals("embedding", m.state());
    done.add(m.done());

    h.complete(r1, result(0, 5));
    h.complete(r3, result(0, 4));
    // Every range done, the sets being finished: 100 %.
    long finishPool =
        h.schedule(
            "6",
            "FinishExtraction",
            new FinishRequest(POOL, POOL_PLAN, List.of(result(0, 5), result(5, 10))));
    long finishT1 =
        h.schedule("7", "FinishExtraction", new FinishRequest(T1, T1_PLAN, List.of(result(0, 4))));
    m = progress(h, List.of(scheduled("6"), scheduled("7"))).orElseThrow();
    assertEquals(140, m.done());
    assertEquals(140, m.images());
    assertEquals(EmbeddingProgress.FINISHING, m.state());
    assertTrue(
        EmbeddingProgress.line(List.of(m)).contains("140/140 images (100%), finishing"),
        EmbeddingProgress.line(List.of(m)));
    done.add(m.done());

    for (int i = 1; i < done.size(); i++) {
      assertTrue(done.get(i) >= done.get(i - 1), "done stepped back: " + done);
    }

    // One set finished: still 100 %; both: the model is past embedding.
    h.complete(
        finishPool, new EmbeddingSet("p/train/", "m", "train", 100, 10, 16, 100, 0, 1, 1, "ok"));
    assertEquals(140, progress(h, List.of(scheduled("7"))).orElseThrow().done());
    h.complete(finishT1, new EmbeddingSet("p/T1/", "m", "T1", 40, 4, 16, 40, 0, 1, 1, "ok"));
    assertEquals(Optional.empty(), progress(h, List.of()));
  }

  @Test
  void aSplitFoundCachedCountsAsDoneAndThePlansCountReplacesTheEstimate() {
    History h = new History();
    long planPool = h.schedule("1", "PlanExtraction", POOL);
    long planT1 = h.schedule("2", "PlanExtraction", T1);
    h.complete(
        planT1,
        new ExtractionPlan(
            "p/T1/",
            40,
            10,
            4,
            new EmbeddingSet("p/T1/", "m", "T1", 40, 4, 16, 0, 40, 1392, 0.1, "ok")));
    // The pool's plan counts 96 images where the summary said 100.
    h.complete(planPool, new ExtractionPlan("p/train/", 96, 10, 10, null));
    h.schedule("3", "ExtractRange", new RangeRequest(POOL, "p/train/", 10, 5, 10));
    EmbeddingProgress.Model m =
        progress(h, List.of(running("3", new EmbedProgress(7, 46, 46, 46, 2.0)))).orElseThrow();
    assertEquals(136, m.images());
    // The cached split's 40 and the last range's 46 (shards 5 to 9: images 50 to 95).
    assertEquals(86, m.done());
    assertTrue(
        EmbeddingProgress.line(List.of(m)).contains("86/136 images (63%), 23.0 img/s"),
        EmbeddingProgress.line(List.of(m)));
  }

  @Test
  void aRunningRangeWithoutAComputedBatchGivesNoRate() {
    History h = new History();
    long plan = h.schedule("1", "PlanExtraction", T1);
    h.complete(plan, T1_PLAN);
    h.schedule("2", "ExtractRange", new RangeRequest(T1, "p/T1/", 10, 0, 2));
    h.schedule("3", "ExtractRange", new RangeRequest(T1, "p/T1/", 10, 2, 4));
    // Range 2: its shards were stored by an earlier attempt (counted, nothing computed).
    EmbeddingProgress.Model m =
        progress(h, List.of(running("2", null), running("3", new EmbedProgress(3, 20, 20, 0, 0.5))))
            .orElseThrow();
    assertEquals(20, m.done());
    assertEquals(0, m.imagesPerSecond());
    assertEquals("loading", m.state());
    assertTrue(EmbeddingProgress.line(List.of(m)).endsWith(", loading the model"));
  }
}
