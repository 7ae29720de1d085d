package io.labelcurve.activities.embed;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The heartbeat details of an extraction: its resume position and how far it is, so that the CLI
 * can show images done, rate and ETA from the server's pending-activity view (describe workflow)
 * without reaching any worker.
 *
 * <p>Reads the bare shard index that heartbeats held before this record (a retry on a new worker of
 * an attempt heartbeated by an old one, during a rolling upgrade) as a progress with unknown
 * counts.
 *
 * @param shardsDoneThrough every shard up to and including this index is stored (-1: none); what a
 *     retry resumes after
 * @param imagesDone images of the split whose embeddings are ready: stored shards and the batches
 *     of the shard in progress (-1: unknown)
 * @param images images of the split (-1: unknown)
 * @param computed images this attempt computed so far (not found in the cache)
 * @param seconds seconds this attempt has computed them in, from its first batch on (model loading
 *     and the numerics check excluded), so that {@code computed / seconds} is the rate
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EmbedProgress(
    int shardsDoneThrough, int imagesDone, int images, int computed, double seconds) {

  @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
  public EmbedProgress(
      @JsonProperty("shardsDoneThrough") int shardsDoneThrough,
      @JsonProperty("imagesDone") int imagesDone,
      @JsonProperty("images") int images,
      @JsonProperty("computed") int computed,
      @JsonProperty("seconds") double seconds) {
    this.shardsDoneThrough = shardsDoneThrough;
    this.imagesDone = imagesDone;
    this.images = images;
    this.computed = computed;
    this.seconds = seconds;
  }

  /** A position alone: counts not known yet (or a heartbeat of an older worker). */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static EmbedProgress atShard(int shardsDoneThrough) {
    return new EmbedProgress(shardsDoneThrough, -1, -1, 0, 0);
  }

  /** Images computed per second by this attempt; 0 until it has computed a batch. */
  public double imagesPerSecond() {
    return computed > 0 && seconds > 0 ? computed / seconds : 0;
  }

  /** True when the counts are known. */
  public boolean counted() {
    return imagesDone >= 0 && images >= 0;
  }
}
