package io.labelcurve.activities.dataset;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.image.ImageSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The identity of a dataset's content: SHA-256 over its canonical manifest rows (sorted by image
 * path; every field, the row number left out so that re-ordering the file changes nothing) followed
 * by the SHA-256 of every image's bytes in the same order. It changes when any image byte, label,
 * sequence, split, frame, patient or site changes. Embeddings are cached under {@link #cacheKey()},
 * so a changed dataset is never served stale vectors.
 *
 * @param hex the SHA-256, 64 lower-case hex characters
 */
public record DatasetDigest(String hex) {
  /** Bumped when the canonical form changes, so old caches are not reused. */
  private static final String FORMAT = "labelcurve-dataset-digest-v1";

  /** The first 16 hex characters: the folder of the embedding cache. */
  public String cacheKey() {
    return hex.substring(0, 16);
  }

  /**
   * Reads every image once.
   *
   * @throws BadInputException when an image cannot be read (validate first for a full list)
   */
  public static DatasetDigest of(Manifest manifest, ImageSource images) {
    MessageDigest sha = sha256();
    update(sha, FORMAT);
    List<ManifestRow> rows = new ArrayList<>(manifest.rows());
    rows.sort(Comparator.comparing(ManifestRow::image));
    for (ManifestRow r : rows) {
      update(sha, r.image());
      update(sha, r.label());
      update(sha, r.sequence());
      update(sha, r.split());
      update(sha, r.frame() == null ? null : r.frame().toString());
      update(sha, r.patient());
      update(sha, r.site());
    }
    // Images are hashed one by one in parallel (reads from S3 are latency-bound), then their hashes
    // enter the digest in canonical order, so the result does not depend on the thread schedule.
    List<byte[]> imageHashes =
        rows.parallelStream().map(r -> imageHash(manifest, images, r)).toList();
    for (byte[] h : imageHashes) {
      sha.update(h);
    }
    return new DatasetDigest(HexFormat.of().formatHex(sha.digest()));
  }

  private static byte[] imageHash(Manifest manifest, ImageSource images, ManifestRow r) {
    byte[] bytes;
    try {
      bytes = images.read(r.image());
    } catch (IOException e) {
      throw BadInputException.atRow(
          manifest.location(),
          r.rowNumber(),
          "image "
              + r.image()
              + " cannot be read at "
              + images.describe(r.image())
              + " ("
              + e
              + ")");
    }
    return sha256().digest(bytes);
  }

  /**
   * Length-prefixed, so that field boundaries are part of what is hashed ("ab","c" differs from
   * "a","bc").
   */
  private static void update(MessageDigest sha, String field) {
    if (field == null) {
      sha.update(ByteBuffer.allocate(4).putInt(-1).array());
      return;
    }
    byte[] b = field.getBytes(StandardCharsets.UTF_8);
    sha.update(ByteBuffer.allocate(4).putInt(b.length).array());
    sha.update(b);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
