package io.labelcurve.workflows.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Building a dataset's frame store: the protocol's first step (grey, 256×256) done once per dataset
 * and stored as {@code uint8} shards under {@code frames/{datasetDigest}/} in the bucket, for every
 * model, sweep, finetune cell and evaluation to read instead of decoding the image files again
 * (docs/FRAMESTORE.md). Runs on {@code labelcurve-cpu}: decoding is CPU work.
 *
 * <p>The sweep calls {@link #planFrames} once, then {@link #buildFrameShards} for ranges of shards
 * in parallel, on any number of workers, and waits for all of them before its models start. Both
 * are idempotent: a stored shard is never built again, so a rerun of a sweep over the same dataset
 * costs a listing.
 */
@ActivityInterface
public interface FrameStoreActivities {
  /**
   * The CPU queue: decoding is CPU work, and the store is built before any model's extraction, so
   * it waits behind nothing on the device queues.
   */
  String TASK_QUEUE = ProbeActivities.TASK_QUEUE;

  /**
   * Lists the dataset's images (every distinct image path of the manifest, in String order) and
   * stores the index that says which shard and offset holds each, unless the same index is stored.
   *
   * <p>Fails with a non-retryable {@code BadInput} when the manifest is missing or unreadable.
   */
  @ActivityMethod
  FrameStorePlan planFrames(FrameStoreRequest request);

  /**
   * Decodes the images of shards {@code [fromShard, toShard)} and stores each shard (npy, then its
   * SHA-256), skipping shards already stored. Heartbeats after each shard with the last shard done
   * in the range (an {@code Integer}); a retry skips the shards up to it.
   *
   * <p>Fails at once with a non-retryable {@code BadInput} naming the file when an image is missing
   * or cannot be decoded; storage failures are retried.
   */
  @ActivityMethod
  FrameShardsBuilt buildFrameShards(FrameShardRange range);
}
