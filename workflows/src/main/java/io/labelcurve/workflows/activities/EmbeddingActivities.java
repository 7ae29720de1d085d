package io.labelcurve.workflows.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Embedding extraction into the shared cache. Runs on {@code labelcurve-gpu}: one activity per
 * accelerator (or per CPU worker).
 */
@ActivityInterface
public interface EmbeddingActivities {

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
