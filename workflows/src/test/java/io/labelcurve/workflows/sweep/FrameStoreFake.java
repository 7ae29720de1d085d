package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.FrameShardRange;
import io.labelcurve.workflows.activities.FrameShardsBuilt;
import io.labelcurve.workflows.activities.FrameStoreActivities;
import io.labelcurve.workflows.activities.FrameStorePlan;
import io.labelcurve.workflows.activities.FrameStoreRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

/**
 * The frame store's activities for workflow tests: a plan of {@code shards} shards, ranges recorded
 * with how many embeddings had been asked for when each ran (the sweep must build the store before
 * any model embeds).
 */
final class FrameStoreFake implements FrameStoreActivities {
  final int shards;
  final IntSupplier embedsSoFar;
  final List<FrameStoreRequest> plans = new CopyOnWriteArrayList<>();
  final List<FrameShardRange> ranges = new CopyOnWriteArrayList<>();
  final List<Integer> embedsWhenBuilt = new CopyOnWriteArrayList<>();

  FrameStoreFake(int shards, IntSupplier embedsSoFar) {
    this.shards = shards;
    this.embedsSoFar = embedsSoFar;
  }

  @Override
  public FrameStorePlan planFrames(FrameStoreRequest request) {
    plans.add(request);
    return new FrameStorePlan("frames/" + request.datasetDigest() + "/", shards * 256, shards);
  }

  @Override
  public FrameShardsBuilt buildFrameShards(FrameShardRange range) {
    ranges.add(range);
    embedsWhenBuilt.add(embedsSoFar.getAsInt());
    int n = range.toShard() - range.fromShard();
    return new FrameShardsBuilt(range.fromShard(), range.toShard(), n, 0, n * 256);
  }
}
