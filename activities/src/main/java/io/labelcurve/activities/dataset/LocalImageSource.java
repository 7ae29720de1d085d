package io.labelcurve.activities.dataset;

import io.labelcurve.activities.image.ImageSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Images in a local folder, normally the folder that holds the manifest. */
public final class LocalImageSource implements ImageSource {
  private final Path root;

  /**
   * @param root the folder relative paths start from
   */
  public LocalImageSource(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** The folder of a manifest file. */
  public static LocalImageSource besides(Path manifest) {
    Path parent = manifest.toAbsolutePath().getParent();
    return new LocalImageSource(parent);
  }

  public Path root() {
    return root;
  }

  @Override
  public byte[] read(String relativePath) throws IOException {
    return Files.readAllBytes(resolve(relativePath));
  }

  @Override
  public String describe(String relativePath) {
    return root.resolve(relativePath).normalize().toString();
  }

  private Path resolve(String relativePath) throws NoSuchFileException {
    Path file = root.resolve(relativePath).normalize();
    // ManifestReader already refuses escaping paths; this keeps the source safe on its own too.
    if (!file.startsWith(root)) {
      throw new NoSuchFileException(file.toString(), null, "outside the dataset folder " + root);
    }
    return file;
  }
}
