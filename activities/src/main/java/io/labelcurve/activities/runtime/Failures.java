package io.labelcurve.activities.runtime;

import io.labelcurve.activities.BadInputException;
import io.temporal.failure.ApplicationFailure;
import java.util.concurrent.Callable;

/** Turns the library's exceptions into the failures Temporal retries, or not. */
public final class Failures {
  private Failures() {}

  /**
   * Runs an activity body: a {@link BadInputException} becomes a non-retryable failure of type
   * {@code BadInput} (the user has to act), anything else a retryable one.
   */
  public static <T> T call(Callable<T> body) {
    try {
      return body.call();
    } catch (BadInputException e) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(
          e.getMessage(), BadInputException.TYPE, e);
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
