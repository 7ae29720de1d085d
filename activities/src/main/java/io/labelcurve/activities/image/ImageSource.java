package io.labelcurve.activities.image;

import java.io.IOException;

/**
 * Where a dataset's images are: a local folder ({@link LocalImageSource}) or a prefix of the bucket
 * ({@link BlobImageSource}). Paths are a manifest's normalised relative paths ({@link
 * ManifestRow#image()}). Implementations are thread-safe.
 */
public interface ImageSource {

  /**
   * The image's bytes.
   *
   * @throws java.nio.file.NoSuchFileException when there is no such image
   * @throws IOException when it cannot be read
   */
  byte[] read(String relativePath) throws IOException;

  /** Where the image is, for messages: a file path or an {@code s3://} URI. */
  String describe(String relativePath);
}
