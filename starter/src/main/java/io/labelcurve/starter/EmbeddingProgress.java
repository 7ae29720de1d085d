package io.labelcurve.starter;

import io.labelcurve.activities.embed.EmbedProgress;
import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.ExtractionPlan;
import io.labelcurve.workflows.activities.FinishRequest;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
   * @param state {@code embedding} (a rate is known, or images are done and the next ranges wait
   *     for a slot), {@code loading} (an extraction started and has not heartbeated a computed
   *     batch: fetching the model, the numerics check, the first batch), {@code queued} (nothing
   *     started yet: waiting for a worker's slot) or {@code finishing} (every image embedded, the
   *     sets' manifests being written)
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

  private static Optional<Model> model(
      WorkflowClient client,
      String model,
      String childId,
      DescribeWorkflowExecutionResponse d,
      DatasetSummary dataset) {
    // The run's history is short while it embeds: the extractions come first.
    String runId = d.getWorkflowExecutionInfo().getExecution().getRunId();
    return model(
        model,
        client.fetchHistory(childId, runId).getEvents(),
        d.getPendingActivitiesList(),
        dataset,
        client.getOptions().getDataConverter());
  }

  /** One split of the model: the images it embeds and whether it is finished. */
  private static final class Split {
    /** The plan's count once planned; the dataset summary's until then. */
    long images;

    /** Every vector stored: found cached by its plan, or its set finished. */
    boolean finished;

    Split(long images) {
      this.images = images;
    }
  }

  /**
   * An extraction activity of a split: one range of its shards, or (runs started before the
   * fan-out) the whole split.
   *
   * @param fromImage the range's first image in the split's order (0 for a whole split)
   * @param toImage one past its last (-1: the whole split)
   */
  private record Extraction(String split, long fromImage, long toImage) {
    long imagesOf(Split s) {
      long to = toImage < 0 ? s.images : Math.min(toImage, s.images);
      return Math.max(0, to - fromImage);
    }
  }

  /**
   * One model's progress from its run's history and its pending activities (with their last
   * heartbeats), as the server has them.
   *
   * <p>Images done only rise while the model embeds: a finished split counts all its images (its
   * plan found them cached, or its set was finished), a completed range all of its own, a running
   * range what its last heartbeat counted (the extraction heartbeats its stored shards as counted
   * from its start, a retry's loading and the latency measurement included), and no range is
   * counted twice (a completed one is not read from the pending view, which may still list it). The
   * one way down is a retry that lost the batches of the shard it was in. The images to embed are
   * the plans' counts (the dataset summary's until a split's plan completes). The rate is that of
   * the running extractions that have heartbeated computed images: each one's computed images over
   * the seconds of its own batches, summed (the slots run side by side).
   *
   * @return empty when the model has no extraction in its history yet, or every split is finished
   *     (the model is past embedding; only the bookkeeping is left)
   */
  static Optional<Model> model(
      String model,
      List<HistoryEvent> events,
      List<PendingActivityInfo> pendingActivities,
      DatasetSummary dataset,
      DataConverter converter) {
    Map<String, Split> splits = new LinkedHashMap<>();
    Map<String, Extraction> extractions = new HashMap<>();
    Set<String> completed = new HashSet<>();
    // Scheduled event id to what completes with it.
    Map<Long, String> planOf = new HashMap<>();
    Map<Long, String> finishOf = new HashMap<>();
    Map<Long, String> extractionOf = new HashMap<>();
    for (HistoryEvent e : events) {
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        var a = e.getActivityTaskScheduledEventAttributes();
        String type = a.getActivityType().getName();
        Optional<io.temporal.api.common.v1.Payloads> input = Optional.of(a.getInput());
        if (PLAN_EXTRACTION.equals(type) || isEmbed(type)) {
          EmbedRequest r = converter.fromPayloads(0, input, EmbedRequest.class, EmbedRequest.class);
          String split = splitOf(r);
          splits.computeIfAbsent(split, k -> new Split(splitImages(dataset, r)));
          if (isEmbed(type)) {
            extractions.put(a.getActivityId(), new Extraction(split, 0, -1));
            extractionOf.put(e.getEventId(), a.getActivityId());
          } else {
            planOf.put(e.getEventId(), split);
          }
        } else if (EXTRACT_RANGE.equals(type)) {
          RangeRequest r = converter.fromPayloads(0, input, RangeRequest.class, RangeRequest.class);
          String split = splitOf(r.embed());
          splits.computeIfAbsent(split, k -> new Split(splitImages(dataset, r.embed())));
          extractions.put(
              a.getActivityId(),
              new Extraction(
                  split, (long) r.fromShard() * r.shardSize(), (long) r.toShard() * r.shardSize()));
          extractionOf.put(e.getEventId(), a.getActivityId());
        } else if (FINISH_EXTRACTION.equals(type)) {
          FinishRequest r =
              converter.fromPayloads(0, input, FinishRequest.class, FinishRequest.class);
          finishOf.put(e.getEventId(), splitOf(r.embed()));
        }
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        var c = e.getActivityTaskCompletedEventAttributes();
        long scheduled = c.getScheduledEventId();
        if (planOf.containsKey(scheduled)) {
          ExtractionPlan plan =
              converter.fromPayloads(
                  0, Optional.of(c.getResult()), ExtractionPlan.class, ExtractionPlan.class);
          Split split = splits.get(planOf.get(scheduled));
          if (plan != null) {
            split.images = plan.images();
            split.finished |= plan.cached() != null;
          }
        } else if (finishOf.containsKey(scheduled)) {
          splits.get(finishOf.get(scheduled)).finished = true;
        } else if (extractionOf.containsKey(scheduled)) {
          String id = extractionOf.get(scheduled);
          completed.add(id);
          Extraction x = extractions.get(id);
          if (x.toImage() < 0) {
            splits.get(x.split()).finished = true;
          }
        }
      }
    }
    if (splits.isEmpty() || splits.values().stream().allMatch(sp -> sp.finished)) {
      return Optional.empty();
    }
    Map<String, PendingActivityInfo> pending = new HashMap<>();
    for (PendingActivityInfo a : pendingActivities) {
      pending.put(a.getActivityId(), a);
    }
    Map<String, Long> doneOf = new HashMap<>();
    double rate = 0;
    boolean started = false;
    for (Map.Entry<String, Extraction> e : extractions.entrySet()) {
      Extraction x = e.getValue();
      Split split = splits.get(x.split());
      long images = x.imagesOf(split);
      if (completed.contains(e.getKey())) {
        doneOf.merge(x.split(), images, Long::sum);
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
      doneOf.merge(x.split(), Math.min(images, p.imagesDone()), Long::sum);
      rate += p.imagesPerSecond();
    }
    long images = 0;
    long done = 0;
    for (Map.Entry<String, Split> e : splits.entrySet()) {
      Split split = e.getValue();
      images += split.images;
      done +=
          split.finished
              ? split.images
              : Math.min(split.images, doneOf.getOrDefault(e.getKey(), 0L));
    }
    Double eta = rate > 0 ? (images - done) / rate : null;
    String state =
        done >= images
            ? FINISHING
            : rate > 0 ? "embedding" : started ? "loading" : done > 0 ? "embedding" : "queued";
    return Optional.of(new Model(model, done, images, rate, eta, state));
  }

  private static boolean isEmbed(String activityType) {
    return "embed".equalsIgnoreCase(activityType);
  }

  /** The activity types of a fanned-out extraction: its plan, each range, the finished set. */
  static final String PLAN_EXTRACTION = "PlanExtraction";

  static final String EXTRACT_RANGE = "ExtractRange";
  static final String FINISH_EXTRACTION = "FinishExtraction";

  /** The state of a model whose every image is embedded while its sets are being finished. */
  static final String FINISHING = "finishing";

  /** A split as the model embeds it: the training pool (with its variants) apart from a split. */
  private static String splitOf(EmbedRequest r) {
    return r.split() + (r.withVariants() ? " pool" : "");
  }

  private static long splitImages(DatasetSummary dataset, EmbedRequest r) {
    return r.withVariants()
        ? dataset.trainPoolImages()
        : dataset.testImages().getOrDefault(r.split(), 0);
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
                  // Floored: 100 % only when every image is done.
                  m.images() == 0 ? 100.0 : Math.floor(100.0 * m.done() / m.images())));
      b.append(
          m.imagesPerSecond() > 0
              ? String.format(
                  Locale.ROOT,
                  ", %.1f img/s, ETA %s",
                  m.imagesPerSecond(),
                  SweepOps.eta(m.etaSeconds()))
              : switch (m.state()) {
                case FINISHING -> ", finishing";
                case "loading" -> ", loading the model";
                case "embedding" -> ", between ranges";
                default -> ", queued";
              });
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
