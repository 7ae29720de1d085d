package io.labelcurve.activities.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.CorruptCacheException;
import io.labelcurve.activities.NumericsCheckFailedException;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What {@link Failures#call} makes of an activity body's exceptions, and what Temporal then does
 * with them: bad input fails at once, other failures are retried.
 */
class FailuresTest {

  @Test
  void badInputBecomesANonRetryableFailureOfTypeBadInputWithTheMessage() {
    BadInputException cause = new BadInputException("m.csv, row 3: the 'label' field is empty");
    ApplicationFailure f =
        assertThrows(
            ApplicationFailure.class,
            () ->
                Failures.call(
                    () -> {
                      throw cause;
                    }));
    assertTrue(f.isNonRetryable());
    assertEquals("BadInput", f.getType(), "the type workflows and the CLI match on");
    assertEquals(BadInputException.TYPE, f.getType());
    assertEquals("m.csv, row 3: the 'label' field is empty", f.getOriginalMessage());
    assertSame(cause, f.getCause());
  }

  @Test
  void numericsAndCorruptCacheAreNonRetryableWithTheirOwnTypes() {
    ApplicationFailure numerics =
        assertThrows(
            ApplicationFailure.class,
            () ->
                Failures.call(
                    () -> {
                      throw new NumericsCheckFailedException("NaN in the embeddings");
                    }));
    assertTrue(numerics.isNonRetryable());
    assertEquals(NumericsCheckFailedException.TYPE, numerics.getType());
    ApplicationFailure corrupt =
        assertThrows(
            ApplicationFailure.class,
            () ->
                Failures.call(
                    () -> {
                      throw new CorruptCacheException("checksum differs");
                    }));
    assertTrue(corrupt.isNonRetryable());
    assertEquals(CorruptCacheException.TYPE, corrupt.getType());
  }

  @Test
  void aCheckedExceptionBecomesARetryableFailureNamingItsClass() {
    IOException cause = new IOException("connection reset");
    ApplicationFailure f =
        assertThrows(
            ApplicationFailure.class,
            () ->
                Failures.call(
                    () -> {
                      throw cause;
                    }));
    assertFalse(f.isNonRetryable());
    assertEquals("java.io.IOException", f.getType());
    assertEquals("IOException: connection reset", f.getOriginalMessage());
    assertSame(cause, f.getCause());
  }

  /** Unchecked exceptions and failures the body made itself pass through unchanged. */
  @Test
  void runtimeExceptionsAndApplicationFailuresPassThroughAsTheyAre() {
    IllegalStateException bug = new IllegalStateException("a bug");
    assertSame(
        bug,
        assertThrows(
            IllegalStateException.class,
            () ->
                Failures.call(
                    () -> {
                      throw bug;
                    })));
    ApplicationFailure own = ApplicationFailure.newFailure("retry me", "Mine");
    assertSame(
        own,
        assertThrows(
            ApplicationFailure.class,
            () ->
                Failures.call(
                    () -> {
                      throw own;
                    })));
    assertEquals("ok", Failures.call(() -> "ok"));
  }

  // --- through Temporal: attempts counted by the activity, the outcome seen by the workflow

  @ActivityInterface
  public interface Body {
    /** Fails as {@code kind} says: "bad", "io" or "bug". */
    String run(String kind);
  }

  /** Counts its attempts and fails every one of them through {@link Failures#call}. */
  static final class FailingBody implements Body {
    final AtomicInteger attempts = new AtomicInteger();

    @Override
    public String run(String kind) {
      attempts.incrementAndGet();
      return Failures.call(
          () -> {
            switch (kind) {
              case "bad" -> throw new BadInputException("m.csv, row 2: bad");
              case "io" -> throw new IOException("bucket unreachable");
              default -> throw new IllegalStateException("a bug");
            }
          });
    }
  }

  @WorkflowInterface
  public interface Caller {
    /** The failure type and retryability of the activity's last attempt. */
    @WorkflowMethod
    String call(String kind);
  }

  public static final class CallerImpl implements Caller {
    // Three attempts: enough to tell "failed at once" from "retried"; short intervals as the test
    // server skips the time anyway. The timeout only bounds a hung attempt.
    private final Body body =
        Workflow.newActivityStub(
            Body.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(10))
                        .setMaximumAttempts(3)
                        .build())
                .build());

    @Override
    public String call(String kind) {
      try {
        return body.run(kind);
      } catch (ActivityFailure f) {
        ApplicationFailure a = (ApplicationFailure) f.getCause();
        return a.getType() + (a.isNonRetryable() ? " non-retryable" : " retryable");
      }
    }
  }

  @Test
  void temporalRetriesAllButBadInput() {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker("failures");
      worker.registerWorkflowImplementationTypes(CallerImpl.class);
      FailingBody body = new FailingBody();
      worker.registerActivitiesImplementations(body);
      env.start();
      WorkflowClient client = env.getWorkflowClient();
      String[][] cases = {
        {"bad", "BadInput non-retryable", "1"},
        {"io", "java.io.IOException retryable", "3"},
        {"bug", "java.lang.IllegalStateException retryable", "3"},
      };
      for (String[] c : cases) {
        body.attempts.set(0);
        Caller caller =
            client.newWorkflowStub(
                Caller.class, WorkflowOptions.newBuilder().setTaskQueue("failures").build());
        assertEquals(c[1], caller.call(c[0]), c[0]);
        assertEquals(Integer.parseInt(c[2]), body.attempts.get(), c[0] + ": attempts");
      }
    }
  }
}
