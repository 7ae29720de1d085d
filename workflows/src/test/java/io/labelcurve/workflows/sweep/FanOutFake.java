package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.EmbeddingActivities;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.activities.ExtractionActivities;
import io.labelcurve.workflows.activities.ExtractionPlan;
import io.labelcurve.workflows.activities.FinishRequest;
import io.labelcurve.workflows.activities.RangeRequest;
import io.labelcurve.workflows.activities.RangeResult;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The fanned-out extraction over a fake whole-split one, for workflow tests: every split is planned
 * as {@code shards} shards of {@code shardSize}, each range is recorded, and finishing answers what
 * {@code whole} says of the split (so a test counting {@code whole}'s calls counts one per split).
 */
final class FanOutFake implements ExtractionActivities {
  final EmbeddingActivities whole;
  final int shards;
  final int shardSize;
  final List<RangeRequest> ranges = new CopyOnWriteArrayList<>();
  final List<FinishRequest> finished = new CopyOnWriteArrayList<>();

  FanOutFake(EmbeddingActivities whole, int shards, int shardSize) {
    this.whole = whole;
    this.shards = shards;
    this.shardSize = shardSize;
  }

  @Override
  public ExtractionPlan planExtraction(EmbedRequest r) {
    return new ExtractionPlan(
        "embeddings/" + r.model() + "/" + r.split() + "/",
        shards * shardSize,
        shardSize,
        shards,
        null);
  }

  @Override
  public RangeResult extractRange(RangeRequest r) {
    ranges.add(r);
    int images = (r.toShard() - r.fromShard()) * r.shardSize();
    return new RangeResult(
        r.fromShard(), r.toShard(), images, 0, 1000, 0.001 * images, "cpu() slot 0 of 1", "test");
  }

  @Override
  public EmbeddingSet finishExtraction(FinishRequest r) {
    finished.add(r);
    return whole.embed(r.embed());
  }
}
