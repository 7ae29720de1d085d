package io.labelcurve.workflows.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Embedding extraction of a whole split in one activity: what model workflows started before the
 * fan-out ({@link ExtractionActivities}) schedule, on {@link #TASK_QUEUE} as they always did.
 * Workers keep serving it there for those workflows; new runs fan out instead.
 */
@ActivityInterface
public interface EmbeddingActivities {
  /** Where the whole-split extraction was always scheduled (shared with finetune cells). */
  String TASK_QUEUE = FinetuneActivities.TASK_QUEUE;

  /**
   * Embeds every image of one split with one model into {@code embeddings/{model key}/{dataset
   * digest}/{split}/part-NNNNN.npy} (+ ids), the training split with the augmented variants of each
   * frame.
   *
   * <p>Idempotent and resumable: shards already in the bucket are not computed again (they may come
   * from another sweep), and the activity heartbeats the index of its last finished shard so that a
   * retry after a killed worker resumes behind it.
   */
  @ActivityMethod
  EmbeddingSet embed(EmbedRequest request);
}
