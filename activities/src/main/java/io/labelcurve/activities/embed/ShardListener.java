package io.labelcurve.activities.embed;

/** Progress of an extraction, for heartbeats. */
@FunctionalInterface
public interface ShardListener {
  ShardListener NONE = doneThrough -> {};

  /**
   * Called after each computed shard is stored. {@code doneThrough}: every shard with an index up
   * to and including it is now in the store; a retry passes it back as {@link
   * ExtractionJob#resumeAfterShard()}. May throw (e.g. the activity was cancelled) to stop the
   * extraction; what is stored stays valid.
   */
  void onShardDone(int doneThrough);

  /**
   * Called after each encoder batch that did not finish a shard, with the same {@code doneThrough}
   * as the last {@link #onShardDone}: a heartbeat that says "still alive" while a large shard is
   * computed on a slow device, so that the heartbeat timeout need not cover a whole shard. Default:
   * nothing.
   */
  default void onBatchDone(int doneThrough) {}

  /** Called after every encoder batch with the number of images it computed (for metrics). */
  default void onImagesEmbedded(int images) {}

  /**
   * Called before {@link #onShardDone} or {@link #onBatchDone} after every encoder batch, and once
   * before the first batch: {@code imagesDone} of the split's {@code images} have embeddings
   * (cached shards included), {@code computed} of them by this run. Default: nothing.
   */
  default void onProgress(int imagesDone, int images, int computed) {}
}
