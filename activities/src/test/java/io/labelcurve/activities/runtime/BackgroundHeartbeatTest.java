package io.labelcurve.activities.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A phase with no heartbeat of its own is heartbeated throughout, with the details given, and not
 * after. (The test activity environment does not time out an activity that never heartbeats, so the
 * timeout itself is the real server's business.)
 */
class BackgroundHeartbeatTest {
  @ActivityInterface
  public interface LongPhase {
    @ActivityMethod
    String run(long millis, boolean heartbeat);
  }

  @ActivityInterface
  public interface MovingPhase {
    /** Heartbeats position "a" in the background, moves to "b" half-way. */
    @ActivityMethod
    String move(long millis);
  }

  static final class MovingPhaseImpl implements MovingPhase {
    @Override
    public String move(long millis) {
      Object lock = new Object();
      java.util.concurrent.atomic.AtomicReference<String> position =
          new java.util.concurrent.atomic.AtomicReference<>("a");
      try (BackgroundHeartbeat hb =
          BackgroundHeartbeat.tracking(lock, position::get, Duration.ofMillis(50))) {
        Thread.sleep(millis / 2);
        synchronized (lock) {
          position.set("b");
        }
        Thread.sleep(millis / 2);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return "done";
    }
  }

  static final class LongPhaseImpl implements LongPhase {
    @Override
    public String run(long millis, boolean heartbeat) {
      try {
        if (heartbeat) {
          try (BackgroundHeartbeat hb =
              BackgroundHeartbeat.start("training", Duration.ofMillis(50))) {
            Thread.sleep(millis);
          }
        } else {
          Thread.sleep(millis);
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return "done";
    }
  }

  /** A heartbeat timeout far shorter than the phase. */
  static final ActivityOptions OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setHeartbeatTimeout(Duration.ofMillis(300))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
          .build();

  TestActivityEnvironment env;

  @BeforeEach
  void start() {
    env = TestActivityEnvironment.newInstance();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  @Test
  void aLongPhaseIsHeartbeatedThroughoutAndNotAfter() throws Exception {
    List<Long> beats = new CopyOnWriteArrayList<>();
    List<String> details = new CopyOnWriteArrayList<>();
    env.setActivityHeartbeatListener(
        String.class,
        d -> {
          beats.add(System.nanoTime());
          details.add(d);
        });
    env.registerActivitiesImplementations(new LongPhaseImpl());
    // The SDK sends at most one heartbeat per 0.8 x the heartbeat timeout: 240 ms here.
    LongPhase phase = env.newActivityStub(LongPhase.class, OPTIONS);
    long t0 = System.nanoTime();
    assertEquals("done", phase.run(1_500, true));
    long t1 = System.nanoTime();
    int atEnd = beats.size();
    assertTrue(atEnd >= 4, "a beat every 240 ms or so over 1.5 s: " + atEnd);
    assertTrue(
        beats.get(beats.size() - 1) - beats.get(0) > 1_000_000_000L,
        "spread over the phase, not bunched at its start");
    assertTrue(details.stream().allMatch("training"::equals), details.toString());
    assertTrue(beats.stream().allMatch(b -> b >= t0 && b <= t1));
    Thread.sleep(300);
    assertEquals(atEnd, beats.size(), "no heartbeat after the phase");
  }

  @Test
  void aTrackingHeartbeatSendsTheCurrentPositionAndNeverAnOlderOneAfterIt() {
    List<String> details = new CopyOnWriteArrayList<>();
    env.setActivityHeartbeatListener(String.class, details::add);
    env.registerActivitiesImplementations(new MovingPhaseImpl());
    MovingPhase phase = env.newActivityStub(MovingPhase.class, OPTIONS);
    assertEquals("done", phase.move(1_500));
    assertTrue(details.size() >= 4, details.toString());
    assertEquals("a", details.get(0));
    assertEquals("b", details.get(details.size() - 1));
    int firstB = details.indexOf("b");
    assertTrue(firstB > 0, details.toString());
    assertTrue(
        details.subList(firstB, details.size()).stream().allMatch("b"::equals),
        "no older position after the newer one: " + details);
  }
}
