package io.labelcurve.activities.framestore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code index.json} of a dataset's frame store: which frame is where. Written before any shard (by
 * the plan step), so a reader or a shard builder always knows the layout; a shard counts only once
 * its {@code .sha256} is stored ({@link FrameStoreLayout}).
 *
 * @param format {@link #FORMAT}
 * @param datasetDigest the dataset's content digest, which names the store
 * @param manifest the manifest the frames were listed from
 * @param frameSize side of every frame ({@value io.labelcurve.activities.image.DatasetImages#SIZE})
 * @param shardSize frames per shard (the last holds fewer)
 * @param count frames in all
 * @param shards number of shards {@code shard-00000.npy} …
 * @param frames one entry per frame, in store order: {@code [image, shard, offset]} with {@code
 *     image} the manifest's image path; frame number {@code i} is at shard {@code i / shardSize},
 *     offset {@code i % shardSize}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FrameIndex(
    String format,
    String datasetDigest,
    String manifest,
    int frameSize,
    int shardSize,
    int count,
    int shards,
    List<List<Object>> frames) {

  /** The layout version; a reader refuses others. */
  public static final String FORMAT = "labelcurve-frames/1";

  /** An index of {@code images} (manifest paths, in store order). */
  public static FrameIndex of(
      String datasetDigest, String manifest, int frameSize, int shardSize, List<String> images) {
    List<List<Object>> frames = new java.util.ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      frames.add(List.of(images.get(i), i / shardSize, i % shardSize));
    }
    int shards = (images.size() + shardSize - 1) / shardSize;
    return new FrameIndex(
        FORMAT, datasetDigest, manifest, frameSize, shardSize, images.size(), shards, frames);
  }

  /** The image path of frame {@code i}. */
  public String image(int i) {
    return (String) frames.get(i).get(0);
  }

  /** The frame numbers of a shard. */
  public int firstOf(int shard) {
    return shard * shardSize;
  }

  /** One past the last frame number of a shard. */
  public int endOf(int shard) {
    return Math.min(count, (shard + 1) * shardSize);
  }

  /** Frame number of every image path. */
  public Map<String, Integer> positions() {
    Map<String, Integer> at = new HashMap<>(count * 2);
    for (int i = 0; i < count; i++) {
      at.put(image(i), i);
    }
    return at;
  }
}
