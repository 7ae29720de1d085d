package io.labelcurve.activities.embed;

/**
 * What an extraction did.
 *
 * @param prefix the key prefix of the shards and manifest, ending in {@code /}
 * @param count rows over all shards
 * @param computed images embedded by this call
 * @param fromCache images whose shard was already stored
 * @param shards number of shards
 * @param dim embedding size
 * @param params the encoder's parameter count
 * @param decodeSeconds image loading (reading and decoding the file, the 256×256 grey image),
 *     summed over the decoding threads
 * @param preprocessSeconds preprocessing (resize, crop, channels, normalisation), summed over the
 *     decoding threads
 * @param inferenceSeconds time in the encoder
 * @param storageSeconds time writing shards and the manifest
 * @param wallSeconds the whole call
 */
public record ExtractionResult(
    String prefix,
    int count,
    int computed,
    int fromCache,
    int shards,
    int dim,
    long params,
    double decodeSeconds,
    double preprocessSeconds,
    double inferenceSeconds,
    double storageSeconds,
    double wallSeconds) {

  /** Computed images per second of wall time (0 when nothing was computed). */
  public double imagesPerSecond() {
    return computed == 0 || wallSeconds <= 0 ? 0 : computed / wallSeconds;
  }

  /** Encoder milliseconds per computed image (0 when nothing was computed). */
  public double inferMsPerImage() {
    return computed == 0 ? 0 : inferenceSeconds * 1000 / computed;
  }
}
