package io.labelcurve.starter;

import io.labelcurve.activities.embed.EmbedProgress;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.RangeRequest;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.labelcurve.workflows.sweep.SweepPhase;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DataConverter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How far the embedding of a running sweep's models is: images done of the images to embed, the
 * rate and the time left, per model. Read from the server alone, so that it works against any
 * cluster without reaching a worker: the model workflow's history says which splits it asked for
 * and which are finished; the server's pending-activity view holds each running extraction's last
 * heartbeat ({@link EmbedProgress}: images done and computed by this attempt), sent every few
 * seconds ({@code WorkerRuntime}'s heartbeat throttle).
 */
final class EmbeddingProgress {
  private EmbeddingProgress() {}

  /**
   * One model's embedding.
   *
   * @param model catalog model id
   * @param done images with embeddings (finished splits, cached shards and finished batches)
   * @param images images the model embeds (training pool with variants, and every test split)
   * @param imagesPerSecond images computed per second by the running extractions (0 until one has
   *     heartbeated a computed batch)
   * @param etaSeconds time left at that rate; null when there is no rate yet
   * @param state {@code embedding} (a rate is known), {@code loading} (an extraction started:
   *     fetching the model, the numerics check, the first batch) or {@code queued} (waiting for a
   *     worker's slot)
   */
  record Model(
      String model,
      long done,
      long images,
      double imagesPerSecond,
      Double etaSeconds,
      String state) {}

  /**
   * The embedding progress of each model of sweep {@code sweepId} that is embedding now; empty when
   * none is (cells running, or not started yet).
   */
  static List<Model> of(
      WorkflowClient client, String sweepId, List<String> models, DatasetSummary dataset) {
    List<Model> out = new ArrayList<>();
    for (String m : models) {
      String childId = ModelSweepWorkflow.workflowId(sweepId, m);
      try {
        DescribeWorkflowExecutionResponse d = describe(client, childId);
        if (d.getWorkflowExecutionInfo().getStatus()
                != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
            || client.newWorkflowStub(ModelSweepWorkflow.class, childId).progress().phase()
                != SweepPhase.EMBEDDING) {
          continue;
        }
        model(client, m, childId, d, dataset).ifPresent(out::add);
      } catch (RuntimeException notThere) {
        // Not started yet, or between runs: nothing to say of it. A server that went away is.
        if (TemporalErrors.unreachable(notThere).isPresent()) {
          throw notThere;
        }
      }
    }
    return out;
  }

  private static DescribeWorkflowExecutionResponse describe(WorkflowClient client, String id) {
    return client
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                .build());
  }

  /**
   * A split (or a range of its shards) an extraction was scheduled for, and whether it finished.
   *
   * @param images the images it embeds (a range's share of its split); -1: the whole split
   */
  private record Scheduled(String split, boolean training, long images, boolean completed) {
    long imagesOf(DatasetSummary dataset) {
      long split =
          training ? dataset.trainPoolImages() : dataset.testImages().getOrDefault(split(), 0);
      return images < 0 ? split : Math.min(images, split);
    }
  }

  private static Optional<Model> model(
      WorkflowClient client,
      String model,
      String childId,
      DescribeWorkflowExecutionResponse d,
      DatasetSummary dataset) {
    DataConverter converter = client.getOptions().getDataConverter();
    // The run's history is short while it embeds: the extractions come first.
    Map<String, Scheduled> byActivity = new HashMap<>();
    Map<Long, String> activityOfEvent = new HashMap<>();
    String runId = d.getWorkflowExecutionInfo().getExecution().getRunId();
    for (HistoryEvent e : client.fetchHistory(childId, runId).getEvents()) {
      String type =
          e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
              ? e.getActivityTaskScheduledEventAttributes().getActivityType().getName()
              : "";
      if (isEmbed(type)) {
        var a = e.getActivityTaskScheduledEventAttributes();
        EmbedRequest r =
            converter.fromPayloads(
                0, Optional.of(a.getInput()), EmbedRequest.class, EmbedRequest.class);
        byActivity.put(a.getActivityId(), new Scheduled(r.split(), r.withVariants(), -1, false));
        activityOfEvent.put(e.getEventId(), a.getActivityId());
      } else if (EXTRACT_RANGE.equals(type)) {
        // A fanned-out split: each range counts its own images (its heartbeats count them too).
        var a = e.getActivityTaskScheduledEventAttributes();
        RangeRequest r =
            converter.fromPayloads(
                0, Optional.of(a.getInput()), RangeRequest.class, RangeRequest.class);
        long from = (long) r.fromShard() * r.shardSize();
        long to = (long) r.toShard() * r.shardSize();
        long rangeImages = Math.max(0, Math.min(to, splitImages(dataset, r.embed())) - from);
        byActivity.put(
            a.getActivityId(),
            new Scheduled(r.embed().split(), r.embed().withVariants(), rangeImages, false));
        activityOfEvent.put(e.getEventId(), a.getActivityId());
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        String id =
            activityOfEvent.get(e.getActivityTaskCompletedEventAttributes().getScheduledEventId());
        if (id != null) {
          Scheduled s = byActivity.get(id);
          byActivity.put(id, new Scheduled(s.split(), s.training(), s.images(), true));
        }
      }
    }
    if (byActivity.isEmpty()) {
      return Optional.empty();
    }
    Map<String, PendingActivityInfo> pending = new HashMap<>();
    for (PendingActivityInfo a : d.getPendingActivitiesList()) {
      pending.put(a.getActivityId(), a);
    }
    long images = 0;
    long done = 0;
    double rate = 0;
    boolean started = false;
    for (Map.Entry<String, Scheduled> e : byActivity.entrySet()) {
      Scheduled s = e.getValue();
      long splitImages = s.imagesOf(dataset);
      images += splitImages;
      if (s.completed()) {
        done += splitImages;
        continue;
      }
      PendingActivityInfo a = pending.get(e.getKey());
      if (a == null) {
        continue;
      }
      started |=
          a.getState()
              != io.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED;
      if (!a.hasHeartbeatDetails()) {
        continue;
      }
      EmbedProgress p =
          converter.fromPayloads(
              0, Optional.of(a.getHeartbeatDetails()), EmbedProgress.class, EmbedProgress.class);
      if (p == null || !p.counted()) {
        continue;
      }
      done += Math.min(splitImages, p.imagesDone());
      // The worker's own clock over its batches; a heartbeat without it (seconds 0) falls back
      // to the server's times, which also count the model's loading.
      double seconds =
          p.seconds() > 0
              ? p.seconds()
              : Duration.between(instant(a.getLastStartedTime()), instant(a.getLastHeartbeatTime()))
                      .toMillis()
                  / 1000.0;
      if (p.computed() > 0 && seconds > 0) {
        rate += p.computed() / seconds;
      }
    }
    Double eta = rate > 0 ? (images - done) / rate : null;
    String state = rate > 0 ? "embedding" : started ? "loading" : "queued";
    return Optional.of(new Model(model, done, images, rate, eta, state));
  }

  private static boolean isEmbed(String activityType) {
    return "embed".equalsIgnoreCase(activityType);
  }

  /** The activity type of one range of a fanned-out extraction. */
  static final String EXTRACT_RANGE = "ExtractRange";

  private static long splitImages(DatasetSummary dataset, EmbedRequest r) {
    return r.withVariants()
        ? dataset.trainPoolImages()
        : dataset.testImages().getOrDefault(r.split(), 0);
  }

  private static Instant instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  /** {@code embedding m 1,024/2,750 images (37%), 18.2 img/s, ETA 1m34s; …}, or "". */
  static String line(List<Model> models) {
    if (models.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("embedding ");
    for (int i = 0; i < models.size(); i++) {
      Model m = models.get(i);
      b.append(i == 0 ? " " : "; ")
          .append(m.model())
          .append(
              String.format(
                  Locale.ROOT,
                  " %,d/%,d images (%.0f%%)",
                  m.done(),
                  m.images(),
                  m.images() == 0 ? 100.0 : 100.0 * m.done() / m.images()));
      b.append(
          m.imagesPerSecond() > 0
              ? String.format(
                  Locale.ROOT,
                  ", %.1f img/s, ETA %s",
                  m.imagesPerSecond(),
                  SweepOps.eta(m.etaSeconds()))
              : "loading".equals(m.state()) ? ", loading the model" : ", queued");
    }
    return b.toString();
  }

  static Map<String, Object> json(Model m) {
    Map<String, Object> j = new java.util.LinkedHashMap<>();
    j.put("model", m.model());
    j.put("images_done", m.done());
    j.put("images", m.images());
    j.put("state", m.state());
    j.put("images_per_second", Math.round(m.imagesPerSecond() * 10) / 10.0);
    j.put("eta_seconds", m.etaSeconds() == null ? null : Math.round(m.etaSeconds()));
    return j;
  }
}
