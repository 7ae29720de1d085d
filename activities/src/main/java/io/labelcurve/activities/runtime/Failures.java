package io.labelcurve.activities.runtime;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.CorruptCacheException;
import io.labelcurve.activities.NumericsCheckFailedException;
import io.temporal.failure.ApplicationFailure;
import java.util.concurrent.Callable;

/** Turns the library's exceptions into the failures Temporal retries, or not. */
public final class Failures {
  private Failures() {}

  /**
   * Runs an activity body: a {@link BadInputException} becomes a non-retryable failure of type
   * {@code BadInput} (the user has to act), a {@link NumericsCheckFailedException} one of type
   * {@code NumericsCheckFailed} (the operator has to act: a retry on this worker computes the same
   * wrong numbers), a {@link CorruptCacheException} one of type {@code CorruptCache} (the same
   * bytes would be read again), anything else a retryable one.
   */
  public static <T> T call(Callable<T> body) {
    try {
      return body.call();
    } catch (BadInputException e) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          e.getMessage(), BadInputException.TYPE, e);
    } catch (NumericsCheckFailedException e) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          e.getMessage(), NumericsCheckFailedException.TYPE, e);
    } catch (CorruptCacheException e) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          e.getMessage(), CorruptCacheException.TYPE, e);
    } catch (ApplicationFailure e) {
      throw e;
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw ApplicationFailure.newFailureWithCause(
          e.getClass().getSimpleName() + ": " + e.getMessage(), e.getClass().getName(), e);
    }
  }
}
