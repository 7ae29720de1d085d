package io.labelcurve.workflows.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Embedding extraction fanned out: a split is planned once, its shards are extracted in ranges by
 * as many activities as there are free device slots on every worker of {@link #TASK_QUEUE}, and the
 * set is finished (its {@code manifest.json} written) when every range is stored. The set that
 * comes out is the one {@link EmbeddingActivities#embed} writes: same prefix, shards, manifest and
 * digests.
 *
 * <p>All three run on {@link #TASK_QUEUE}, so that the cache key (which names the worker's engine
 * and numerics, issue 12) is computed by the kind of worker that computes the vectors.
 */
@ActivityInterface
public interface ExtractionActivities {
  /**
   * The extraction queue: ranges of minutes, one per device slot, never behind a finetune cell of
   * {@link FinetuneActivities#TASK_QUEUE} (the embedded test server has no task-queue priorities,
   * and a priority would not preempt a cell that runs for hours anyway).
   */
  String TASK_QUEUE = "labelcurve-embed";

  /**
   * Where a split's vectors go and how many shards it has; with the finished set when it is in the
   * cache already (then nothing else is scheduled). The shard size is this worker's: every range is
   * extracted with it, whatever worker runs it.
   */
  @ActivityMethod
  ExtractionPlan planExtraction(EmbedRequest request);

  /**
   * Extracts shards {@code [fromShard, toShard)} of the plan into its prefix (shards already stored
   * are kept). Idempotent and resumable: it heartbeats the last shard of the range it stored
   * ({@code EmbedProgress}) and a retry resumes behind it. Writes no manifest.
   */
  @ActivityMethod
  RangeResult extractRange(RangeRequest request);

  /**
   * Checks that every shard of the plan is stored and writes the set's {@code manifest.json} (and
   * its encoder timing) from the ranges' results. Idempotent.
   */
  @ActivityMethod
  EmbeddingSet finishExtraction(FinishRequest request);
}
