package io.labelcurve.activities.framestore;

import io.labelcurve.activities.image.Augmentation;
import io.labelcurve.activities.image.DatasetImages;
import io.labelcurve.activities.image.FrameSource;
import io.labelcurve.activities.image.GreyFrames;
import io.labelcurve.activities.image.GreyImage;
import io.labelcurve.activities.image.ImageLoader;
import io.labelcurve.activities.image.ImageSource;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol's images read from the frame store instead of decoded: an original is its stored
 * frame, a variant {@code #vK} is made from it on the fly by the same {@link Augmentation} as
 * {@link DatasetImages} makes it. An image the store does not hold (or whose shard is damaged) is
 * decoded from its file as before, by {@link DatasetImages}. Thread-safe.
 */
public final class FrameImages implements FrameSource {
  private static final Logger log = LoggerFactory.getLogger(FrameImages.class);

  private final FrameStore frames;
  private final Augmentation augmentation;
  private final DatasetImages fallback;

  public FrameImages(FrameStore frames, Augmentation augmentation, DatasetImages fallback) {
    this.frames = frames;
    this.augmentation = augmentation;
    this.fallback = fallback;
  }

  /**
   * The images of a dataset: from its frame store when that is complete, else decoded from the
   * source (as before the frame store; a sweep builds the store before its models start).
   */
  public static ImageLoader forDataset(
      BlobStore store, String datasetDigest, ImageSource source, Augmentation augmentation)
      throws IOException {
    DatasetImages decoding = new DatasetImages(source, augmentation);
    Optional<FrameStore> frames =
        datasetDigest == null ? Optional.empty() : FrameStore.open(store, datasetDigest);
    if (frames.isEmpty() || frames.get().frameSize() != DatasetImages.SIZE) {
      log.info("dataset {}: no complete frame store; decoding the image files", datasetDigest);
      return decoding;
    }
    return new FrameImages(frames.get(), augmentation, decoding);
  }

  public FrameStore store() {
    return frames;
  }

  @Override
  public int frameSize() {
    return frames.frameSize();
  }

  /** The stored 8-bit frame of an original's path, or empty (then {@link #load} decodes it). */
  @Override
  public Optional<byte[]> frame(String path) throws IOException {
    return frames.frame(path);
  }

  @Override
  public GreyImage load(String imageId) throws IOException {
    Augmentation.ImageId id = Augmentation.parse(imageId);
    Optional<byte[]> frame = frames.frame(id.path());
    if (frame.isEmpty()) {
      return fallback.load(imageId);
    }
    GreyImage original = GreyFrames.toImage(frame.get(), frames.frameSize());
    return id.variant() == 0 ? original : augmentation.applyTo(original, id.path(), id.variant());
  }
}
