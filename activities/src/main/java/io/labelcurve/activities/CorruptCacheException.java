package io.labelcurve.activities;

/**
 * A cached object (an embedding shard) is not what was stored: truncated or overwritten. Its
 * message names the object and says what recomputes it. Activities turn it into a non-retryable
 * {@code ApplicationFailure} of type {@link #TYPE}: a retry would read the same bytes; the object
 * has been dropped from the cache, so the next extraction (a {@code sweep rerun}) computes it
 * again.
 */
public class CorruptCacheException extends RuntimeException {
  /** The failure type workflows and the CLI see. */
  public static final String TYPE = "CorruptCache";

  public CorruptCacheException(String message) {
    super(message);
  }
}
