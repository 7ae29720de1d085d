package io.labelcurve.activities.metrics;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInfo;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Arrays;

/**
 * Whether a failed activity attempt is the activity's last, judged where it fails: Temporal retries
 * it unless the failure is non-retryable, the attempt limit is reached, or the next attempt would
 * start after the schedule-to-close deadline. The worker cannot see the other ways an activity ends
 * (a heartbeat or start-to-close timeout of an attempt that never reports: those show on the
 * Temporal server's {@code heartbeat_timeout} and {@code start_to_close_timeout} counters), so a
 * cell counted here as failed for good has failed for good.
 */
public final class AttemptOutcome {
  private AttemptOutcome() {}

  /** True when {@code failure} ends the activity running on this thread for good. */
  public static boolean isFinal(Throwable failure) {
    ActivityInfo info;
    try {
      info = Activity.getExecutionContext().getInfo();
    } catch (IllegalStateException e) {
      return true; // not in an activity (a tool or a test calling the code directly): no retry
    }
    return isFinal(
        failure,
        info.getRetryOptions(),
        info.getAttempt(),
        info.getScheduledTimestamp(),
        info.getScheduleToCloseTimeout(),
        System.currentTimeMillis());
  }

  /**
   * @param retry the activity's retry policy (null: the server's default, unlimited attempts)
   * @param attempt this attempt's number, from 1
   * @param scheduledMillis when the first attempt was scheduled (epoch ms)
   * @param scheduleToClose the activity's whole budget; zero or null: none
   * @param nowMillis the time of the failure (epoch ms)
   */
  static boolean isFinal(
      Throwable failure,
      RetryOptions retry,
      int attempt,
      long scheduledMillis,
      Duration scheduleToClose,
      long nowMillis) {
    ApplicationFailure app = applicationFailure(failure);
    if (app != null && app.isNonRetryable()) {
      return true;
    }
    if (retry == null) {
      return false;
    }
    // The SDK reports any other exception as an ApplicationFailure typed by its class name.
    String type = app != null ? app.getType() : failure.getClass().getName();
    if (retry.getDoNotRetry() != null && Arrays.asList(retry.getDoNotRetry()).contains(type)) {
      return true;
    }
    if (retry.getMaximumAttempts() > 0 && attempt >= retry.getMaximumAttempts()) {
      return true;
    }
    if (scheduleToClose == null || scheduleToClose.isZero()) {
      return false;
    }
    Duration delay =
        app != null && app.getNextRetryDelay() != null
            ? app.getNextRetryDelay()
            : backoff(retry, attempt);
    return nowMillis + delay.toMillis() >= scheduledMillis + scheduleToClose.toMillis();
  }

  /** The server's delay before attempt {@code attempt + 1}. */
  static Duration backoff(RetryOptions retry, int attempt) {
    Duration initial =
        retry.getInitialInterval() == null ? Duration.ofSeconds(1) : retry.getInitialInterval();
    double coefficient = retry.getBackoffCoefficient() <= 0 ? 2 : retry.getBackoffCoefficient();
    double millis = initial.toMillis() * Math.pow(coefficient, attempt - 1);
    Duration max =
        retry.getMaximumInterval() == null ? initial.multipliedBy(100) : retry.getMaximumInterval();
    return millis >= max.toMillis() ? max : Duration.ofMillis((long) millis);
  }

  private static ApplicationFailure applicationFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ApplicationFailure af) {
        return af;
      }
    }
    return null;
  }
}
