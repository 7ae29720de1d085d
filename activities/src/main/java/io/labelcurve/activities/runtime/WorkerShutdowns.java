package io.labelcurve.activities.runtime;

import io.temporal.failure.ApplicationErrorCategory;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;

/**
 * How a long activity ends its attempt when its worker drains. In the Java SDK, once the worker
 * factory is shut down every {@code heartbeat()} throws {@code ActivityWorkerShutdownException};
 * finetuning and extraction then save their position and throw {@link #failure}: a retryable
 * failure, so that Temporal hands the activity to another worker soon instead of after the
 * heartbeat timeout (2 minutes for a finetune cell), with the position as the retry's start.
 */
public final class WorkerShutdowns {
  /** The failure type of an attempt ended by its worker's drain. */
  public static final String TYPE = "WorkerShutdown";

  /**
   * When the retry may start. The draining worker's pollers stop only after the SDK has shut its
   * heartbeat executor down, which it waits up to 5 s for (a drain measured 5.0 s): a retry offered
   * within that window can be handed to the draining worker's last poll and be lost until the
   * heartbeat timeout (the likely cause of a DrainedFinetuneWorkerIT run with 5 s here that saw no
   * retry on the other worker within 3 minutes). Three times the window, and still far below the
   * 2-minute heartbeat timeout; it also replaces the policies' backoff, which doubles with every
   * attempt (finetuning: 10 s, 20 s, 40 s…).
   */
  public static final Duration RETRY_DELAY = Duration.ofSeconds(15);

  private WorkerShutdowns() {}

  /**
   * The retryable failure that ends a drained attempt: type {@value #TYPE}, benign (an expected
   * hand-over, not an error: the SDK logs it at debug and leaves it out of failure metrics), the
   * next attempt after {@link #RETRY_DELAY}.
   */
  public static ApplicationFailure failure(String message, Throwable cause) {
    return ApplicationFailure.newBuilder()
        .setType(TYPE)
        .setMessage(message)
        .setCause(cause)
        .setNonRetryable(false)
        .setNextRetryDelay(RETRY_DELAY)
        .setCategory(ApplicationErrorCategory.BENIGN)
        .build();
  }

  /** Whether {@code e} is such a failure. */
  public static boolean isWorkerShutdown(Throwable e) {
    return e instanceof ApplicationFailure f && TYPE.equals(f.getType());
  }
}
