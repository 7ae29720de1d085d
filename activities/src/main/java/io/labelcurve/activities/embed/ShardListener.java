package io.labelcurve.activities.embed;

/** Progress of an extraction, for heartbeats. */
@FunctionalInterface
public interface ShardListener {
  ShardListener NONE = doneThrough -> {};

  /**
   * Called after each computed shard is stored. {@code doneThrough}: every shard with an index up
   * to and including it is now in the store; a retry passes it back as
   * {@link ExtractionJob#resumeAfterShard()}. May throw (e.g. the activity was cancelled) to stop
   * the extraction; what is stored stays valid.
   */
  void onShardDone(int doneThrough);
}
