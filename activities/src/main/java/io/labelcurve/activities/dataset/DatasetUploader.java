package io.labelcurve.activities.dataset;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.storage.BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Copies a local dataset (a manifest and the images it names) into the bucket, e.g. under {@code
 * datasets/echo/}. The manifest is read first, so a malformed one uploads nothing, and written
 * last, so a manifest in the bucket always means its images are there.
 */
public final class DatasetUploader {
  private DatasetUploader() {}

  /** What was uploaded. */
  public record Upload(String manifestKey, int images) {}

  /**
   * @param manifestFile the local manifest; images are relative to its folder
   * @param keyPrefix the dataset's folder in the bucket, e.g. {@code datasets/echo/}
   * @throws BadInputException when the manifest is malformed or an image is missing
   */
  public static Upload upload(Path manifestFile, BlobStore store, String keyPrefix)
      throws IOException {
    Manifest manifest = ManifestReader.read(manifestFile);
    LocalImageSource local = LocalImageSource.besides(manifestFile);
    BlobImageSource remote = new BlobImageSource(store, keyPrefix);
    List<ManifestRow> rows = manifest.rows();
    for (ManifestRow r : rows) {
      if (!java.nio.file.Files.isRegularFile(local.root().resolve(r.image()))) {
        throw BadInputException.atRow(
            manifest.location(),
            r.rowNumber(),
            "image " + r.image() + " not found at " + local.describe(r.image()));
      }
    }
    try {
      rows.parallelStream()
          .forEach(
              r -> {
                try {
                  store.putFile(remote.key(r.image()), local.root().resolve(r.image()));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    String manifestKey = remote.key("manifest.csv");
    store.putFile(manifestKey, manifestFile);
    return new Upload(manifestKey, rows.size());
  }
}
