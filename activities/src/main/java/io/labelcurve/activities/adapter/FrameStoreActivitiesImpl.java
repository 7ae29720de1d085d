package io.labelcurve.activities.adapter;

import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.framestore.FrameIndex;
import io.labelcurve.activities.framestore.FrameStore;
import io.labelcurve.activities.framestore.FrameStoreBuilder;
import io.labelcurve.activities.framestore.FrameStoreLayout;
import io.labelcurve.activities.image.DatasetImages;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.BackgroundHeartbeat;
import io.labelcurve.activities.runtime.Failures;
import io.labelcurve.workflows.activities.FrameShardRange;
import io.labelcurve.workflows.activities.FrameShardsBuilt;
import io.labelcurve.workflows.activities.FrameStoreActivities;
import io.labelcurve.workflows.activities.FrameStorePlan;
import io.labelcurve.workflows.activities.FrameStoreRequest;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** See {@link FrameStoreActivities}. */
public final class FrameStoreActivitiesImpl implements FrameStoreActivities {
  private static final Logger log = LoggerFactory.getLogger(FrameStoreActivitiesImpl.class);

  private final ActivityContext context;
  private final Manifests manifests;
  private final int shardSize;
  private final int decodeThreads;

  /**
   * Shards of {@value FrameStoreLayout#DEFAULT_SHARD_SIZE} frames, decoded with half this machine's
   * processors per activity (at least one): a CPU worker runs several activities at once.
   */
  public FrameStoreActivitiesImpl(ActivityContext context, Manifests manifests) {
    this(
        context,
        manifests,
        FrameStoreLayout.DEFAULT_SHARD_SIZE,
        Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
  }

  /**
   * @param shardSize frames per shard of a store planned here (a stored index keeps its own)
   * @param decodeThreads decoding threads per activity
   */
  public FrameStoreActivitiesImpl(
      ActivityContext context, Manifests manifests, int shardSize, int decodeThreads) {
    this.context = context;
    this.manifests = manifests;
    this.shardSize = shardSize;
    this.decodeThreads = decodeThreads;
  }

  @Override
  public FrameStorePlan planFrames(FrameStoreRequest request) {
    return Failures.call(
        () -> {
          FrameIndex index =
              FrameStoreBuilder.plan(
                  context.store(),
                  manifests.read(request.manifestUri()),
                  request.datasetDigest(),
                  DatasetImages.SIZE,
                  shardSize);
          return new FrameStorePlan(
              FrameStoreLayout.prefix(request.datasetDigest()), index.count(), index.shards());
        });
  }

  @Override
  public FrameShardsBuilt buildFrameShards(FrameShardRange range) {
    return Failures.call(
        () -> {
          ActivityExecutionContext activity = Activity.getExecutionContext();
          FrameStoreRequest dataset = range.dataset();
          // The previous attempt's heartbeat: the last shard of this range it stored.
          int resumeAfter =
              activity.getHeartbeatDetails(Integer.class).orElse(range.fromShard() - 1);
          if (resumeAfter >= range.fromShard()) {
            log.info(
                "frames/{}: shards {}..{}: resuming after shard {}",
                dataset.datasetDigest(),
                range.fromShard(),
                range.toShard() - 1,
                resumeAfter);
          }
          FrameIndex index =
              FrameStore.readIndex(context.store(), dataset.datasetDigest())
                  .orElseThrow(
                      () ->
                          ApplicationFailure.newFailure(
                              "frames/"
                                  + dataset.datasetDigest()
                                  + "/index.json is not there; planFrames writes it first",
                              "FrameIndexMissing"));
          AtomicInteger position = new AtomicInteger(resumeAfter);
          Object lock = new Object();
          // A shard reports its position when stored; between shards (a slow S3 PUT, a shard of
          // large images) the background beat repeats it, so the heartbeat timeout need not
          // cover a whole shard.
          try (BackgroundHeartbeat hb =
              BackgroundHeartbeat.tracking(lock, position::get, BackgroundHeartbeat.EVERY)) {
            FrameStoreBuilder.Built built =
                FrameStoreBuilder.buildShards(
                    context.store(),
                    index,
                    BlobImageSource.besides(
                        context.store(), manifests.keyOf(dataset.manifestUri())),
                    range.fromShard(),
                    range.toShard(),
                    resumeAfter,
                    decodeThreads,
                    shard -> {
                      // Shards up to the resume position are only checked again: reporting them
                      // would move the position back, and a retry after that would check them
                      // once more (each a GET and a SHA-256).
                      if (shard <= resumeAfter) {
                        return;
                      }
                      synchronized (lock) {
                        position.set(shard);
                        activity.heartbeat(shard);
                      }
                    });
            return new FrameShardsBuilt(
                range.fromShard(),
                range.toShard(),
                built.built(),
                built.alreadyStored(),
                built.frames());
          }
        });
  }
}
