package io.labelcurve.activities.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * When a failed cell attempt is the cell's last: the rules of Temporal's retry policy, with the
 * policies of ActivityOptionsCatalog (probe cells: unlimited attempts within a 4-hour budget;
 * finetune cells: 10 attempts).
 */
class AttemptOutcomeTest {
  static final RetryOptions PROBE =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(2))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofMinutes(1))
          .setMaximumAttempts(0)
          .setDoNotRetry("BadInput")
          .build();
  static final RetryOptions FINETUNE =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(10))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofMinutes(5))
          .setMaximumAttempts(10)
          .setDoNotRetry("BadInput")
          .build();
  static final Duration BUDGET = Duration.ofHours(4);
  static final long T0 = 1_700_000_000_000L;

  @Test
  void aRetryableFailureWithinTheBudgetIsNotFinal() {
    assertFalse(
        AttemptOutcome.isFinal(new RuntimeException("S3 down"), PROBE, 1, T0, BUDGET, T0 + 1000));
    assertFalse(
        AttemptOutcome.isFinal(
            ApplicationFailure.newFailure("x", "IOException"), FINETUNE, 9, T0, Duration.ZERO, T0));
  }

  @Test
  void nonRetryableAndDoNotRetryTypesAreFinal() {
    assertTrue(
        AttemptOutcome.isFinal(
            ApplicationFailure.newNonRetryableFailure("bad", "NumericsCheckFailed"),
            PROBE,
            1,
            T0,
            BUDGET,
            T0));
    assertTrue(
        AttemptOutcome.isFinal(
            ApplicationFailure.newFailure("bad", "BadInput"), PROBE, 1, T0, BUDGET, T0));
    // A plain exception is typed by its class name, as the SDK reports it.
    RetryOptions byClass =
        RetryOptions.newBuilder(PROBE).setDoNotRetry(IllegalStateException.class.getName()).build();
    assertTrue(AttemptOutcome.isFinal(new IllegalStateException("x"), byClass, 1, T0, BUDGET, T0));
  }

  @Test
  void theLastAllowedAttemptIsFinal() {
    assertFalse(AttemptOutcome.isFinal(new RuntimeException(), FINETUNE, 9, T0, null, T0));
    assertTrue(AttemptOutcome.isFinal(new RuntimeException(), FINETUNE, 10, T0, null, T0));
  }

  @Test
  void anAttemptWhoseRetryWouldStartAfterTheBudgetIsFinal() {
    // Attempt 20 of a probe cell backs off the capped minute: final when under a minute is left.
    long end = T0 + BUDGET.toMillis();
    assertFalse(
        AttemptOutcome.isFinal(new RuntimeException(), PROBE, 20, T0, BUDGET, end - 61_000));
    assertTrue(AttemptOutcome.isFinal(new RuntimeException(), PROBE, 20, T0, BUDGET, end - 59_000));
    // A failure's own retry delay (a drained worker's hand-over) replaces the backoff.
    ApplicationFailure handOver =
        ApplicationFailure.newFailureWithCauseAndDelay(
            "drain", "WorkerShutdown", null, Duration.ofSeconds(15));
    assertFalse(AttemptOutcome.isFinal(handOver, PROBE, 20, T0, BUDGET, end - 20_000));
  }

  @Test
  void backoffDoublesUpToTheMaximum() {
    assertEquals(Duration.ofSeconds(2), AttemptOutcome.backoff(PROBE, 1));
    assertEquals(Duration.ofSeconds(16), AttemptOutcome.backoff(PROBE, 4));
    assertEquals(Duration.ofMinutes(1), AttemptOutcome.backoff(PROBE, 7));
  }
}
