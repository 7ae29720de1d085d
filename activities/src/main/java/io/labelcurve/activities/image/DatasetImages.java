package io.labelcurve.activities.image;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The protocol's images of a dataset: an id ({@code path} or {@code path#v1} … {@code #v4}) is read
 * from an {@link ImageSource}, decoded, resized to {@value #SIZE}×{@value #SIZE} and, for a
 * variant, augmented ({@link Augmentation}).
 *
 * <p>Thread-safe. Keeps a small LRU cache of resized originals, because the four variants of a
 * frame are usually loaded right after it; the cache is shared, so concurrent loads of one frame
 * may both decode it (harmless, it is the same image).
 */
public final class DatasetImages implements ImageLoader {
  /** Side of the protocol's images. */
  public static final int SIZE = 256;

  private final ImageSource source;
  private final int size;
  private final Augmentation augmentation;
  private final Map<String, GreyImage> cache;

  /** {@value #SIZE}×{@value #SIZE}, caching 64 originals. */
  public DatasetImages(ImageSource source) {
    this(source, SIZE, 64);
  }

  /** {@value #SIZE}×{@value #SIZE}, caching 64 originals, variants with these magnitudes. */
  public DatasetImages(ImageSource source, Augmentation augmentation) {
    this(source, SIZE, 64, augmentation);
  }

  /**
   * Variants with the default magnitudes; see {@link #DatasetImages(ImageSource, int, int,
   * Augmentation)}.
   */
  public DatasetImages(ImageSource source, int size, int cachedOriginals) {
    this(source, size, cachedOriginals, Augmentation.DEFAULT);
  }

  /**
   * @param source where the images are
   * @param size side of the images given (the protocol's is {@value #SIZE}; small presets may use
   *     less)
   * @param cachedOriginals how many resized originals to keep (0 for none)
   * @param augmentation the magnitudes of the variants {@code #v1} … {@code #v4}
   */
  public DatasetImages(
      ImageSource source, int size, int cachedOriginals, Augmentation augmentation) {
    this.source = source;
    this.size = size;
    this.augmentation = augmentation;
    this.cache =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, GreyImage> eldest) {
            return size() > cachedOriginals;
          }
        };
  }

  /**
   * @throws BadInputException when the image is missing, corrupt or of an absurd size
   * @throws IOException when the source fails otherwise (worth a retry)
   */
  @Override
  public GreyImage load(String imageId) throws IOException {
    Augmentation.ImageId id = Augmentation.parse(imageId);
    GreyImage original = original(id.path());
    if (id.variant() == 0) {
      return new GreyImage(original.width(), original.height(), original.pixels().clone());
    }
    return augmentation.applyTo(original, id.path(), id.variant());
  }

  private GreyImage original(String path) throws IOException {
    synchronized (cache) {
      GreyImage hit = cache.get(path);
      if (hit != null) {
        return hit;
      }
    }
    byte[] bytes;
    try {
      bytes = source.read(path);
    } catch (NoSuchFileException e) {
      throw new BadInputException(source.describe(path) + ": image not found");
    }
    GreyImage image = Resize.to(ImageDecoder.decode(bytes, source.describe(path)), size, size);
    synchronized (cache) {
      cache.put(path, image);
    }
    return image;
  }
}
