package io.labelcurve.activities.runtime;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.ActivityWorkerShutdownException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Heartbeats an activity from a daemon thread while one long phase runs that has no position of its
 * own to report (loading a model, training an SVM, evaluating, validating a dataset), so that the
 * heartbeat timeout can be a couple of minutes — a dead worker is seen that soon — without capping
 * how long the phase may take. The start-to-close timeout still caps a hung phase.
 *
 * <p>It sends fixed details: use it only where the activity's resumable position does not change
 * during the phase, or a later heartbeat of an older position would overwrite a newer one. When a
 * heartbeat says the activity is cancelled, heartbeating stops and {@link #close()} throws that, so
 * the activity ends at the phase's end. When it says the worker is shutting down (a drain),
 * heartbeating stops and the phase may still finish and the activity complete within the drain
 * period: its result is not thrown away.
 *
 * <pre>{@code
 * try (BackgroundHeartbeat hb = BackgroundHeartbeat.start("training", EVERY)) {
 *   classifier = train(x, y);
 * }
 * }</pre>
 */
public final class BackgroundHeartbeat implements AutoCloseable {
  /** Often enough for a heartbeat timeout of a minute or two (the SDK throttles what it sends). */
  public static final Duration EVERY = Duration.ofSeconds(10);

  private final ScheduledExecutorService timer;
  private final ScheduledFuture<?> beats;
  private volatile ActivityCompletionException stopped;

  private BackgroundHeartbeat(
      ActivityExecutionContext context, Object lock, Supplier<?> details, Duration every) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "heartbeat-" + context.getInfo().getActivityType());
              t.setDaemon(true);
              return t;
            });
    long millis = every.toMillis();
    beats =
        timer.scheduleAtFixedRate(
            () -> beat(context, lock, details), 0, millis, TimeUnit.MILLISECONDS);
  }

  /** Starts heartbeating the current activity with {@code details} every {@code every}. */
  public static BackgroundHeartbeat start(Object details, Duration every) {
    return new BackgroundHeartbeat(
        Activity.getExecutionContext(), new Object(), () -> details, every);
  }

  /**
   * Starts heartbeating the current activity every {@code every} with its current position, for an
   * activity that also heartbeats positions of its own (a finetune cell's checkpoints): each beat
   * reads {@code position} and sends it while holding {@code lock}, and the activity sends its own
   * heartbeats holding the same lock after updating the position, so that a background beat never
   * sends an older position after the activity sent a newer one.
   */
  public static BackgroundHeartbeat tracking(Object lock, Supplier<?> position, Duration every) {
    return new BackgroundHeartbeat(Activity.getExecutionContext(), lock, position, every);
  }

  /** {@code phase}'s value, computed while heartbeating {@code details}. */
  public static <T> T during(Object details, Supplier<T> phase) {
    try (BackgroundHeartbeat hb = start(details, EVERY)) {
      return phase.get();
    }
  }

  private void beat(ActivityExecutionContext context, Object lock, Supplier<?> details) {
    try {
      synchronized (lock) {
        context.heartbeat(details.get());
      }
    } catch (ActivityCompletionException e) {
      stopped = e;
      timer.shutdown();
    }
  }

  /**
   * Stops heartbeating.
   *
   * @throws ActivityCompletionException when a heartbeat said the activity is cancelled: the
   *     activity must end now
   */
  @Override
  public void close() {
    beats.cancel(false);
    // Not shutdownNow: interrupting a beat in flight cancels its gRPC call, which the SDK logs as
    // an error with a stack trace (seen in the demo's output). A beat takes milliseconds; let it
    // finish.
    timer.shutdown();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (stopped != null && !(stopped instanceof ActivityWorkerShutdownException)) {
      throw stopped;
    }
  }
}
