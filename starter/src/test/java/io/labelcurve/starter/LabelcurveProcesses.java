package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.StatusRuntimeException;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3Settings;
import io.labelcurve.worker.EmbeddedControlPlane;
import io.labelcurve.worker.TemporalSettings;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code labelcurve} in a JVM of its own, for the tests that kill a worker process or connect one
 * through the environment alone, and what the server says of the activities it runs.
 */
final class LabelcurveProcesses {
  private LabelcurveProcesses() {}

  /**
   * Starts {@code labelcurve ARGS} on this test's class path, stdout and stderr into {@code log}.
   * An {@code env} entry with a null value removes that variable from the inherited environment.
   */
  static Process start(Path log, Map<String, String> env, List<String> args) throws IOException {
    return startMain(Labelcurve.class, log, env, args);
  }

  /** Starts {@code main}'s {@code main(ARGS)} on this test's class path, as {@link #start}. */
  static Process startMain(Class<?> main, Path log, Map<String, String> env, List<String> args)
      throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
    command.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> environment = pb.environment();
    env.forEach(
        (k, v) -> {
          if (v == null) {
            environment.remove(k);
          } else {
            environment.put(k, v);
          }
        });
    return pb.start();
  }

  /** What a test waits for before it kills a worker: non-null when the moment has come. */
  @FunctionalInterface
  interface Probe<T> {
    /** The value to go on with, or null to wait; may {@code fail} when the moment has passed. */
    T poll() throws Exception;
  }

  /**
   * Polls {@code probe} every {@code pollMillis} until it returns a value, then kills {@code
   * worker} (SIGKILL, no shutdown hooks) and returns that value. Fails when the worker dies first
   * or nothing comes within {@code minutes} ("no WAITING_FOR after N minutes", with its log).
   */
  static <T> T killWhen(
      Process worker, Path log, int minutes, long pollMillis, String waitingFor, Probe<T> probe)
      throws Exception {
    try {
      T value = await(worker, log, minutes, pollMillis, waitingFor, probe);
      worker.destroyForcibly();
      assertTrue(worker.waitFor(30, TimeUnit.SECONDS));
      return value;
    } finally {
      worker.destroyForcibly();
    }
  }

  /**
   * Polls {@code probe} every {@code pollMillis} until it returns a value, and returns it, leaving
   * {@code worker} running. Fails when the worker dies first or nothing comes within {@code
   * minutes}.
   */
  static <T> T await(
      Process worker, Path log, int minutes, long pollMillis, String waitingFor, Probe<T> probe)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
    while (true) {
      T value = probe.poll();
      if (value != null) {
        return value;
      }
      assertTrue(worker.isAlive(), () -> "worker died: " + read(log));
      if (System.nanoTime() > deadline) {
        fail("no " + waitingFor + " after " + minutes + " minutes\n" + read(log));
      }
      Thread.sleep(pollMillis);
    }
  }

  /** The variables that point a process at the embedded plane's Temporal server and S3Proxy. */
  static Map<String, String> connectedTo(EmbeddedControlPlane plane) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(TemporalSettings.ENV_ADDRESS, plane.temporalAddress());
    env.put(S3Settings.ENV_ENDPOINT, plane.s3Endpoint());
    env.put(S3Settings.ENV_ACCESS_KEY, EmbeddedS3.ACCESS_KEY);
    env.put(S3Settings.ENV_SECRET_KEY, EmbeddedS3.SECRET_KEY);
    env.put("LABELCURVE_LOG_LEVEL", "INFO");
    return env;
  }

  /**
   * The heartbeat details the server holds for the pending activities of workflow {@code id}, each
   * decoded as {@code type}; empty while the workflow has not started.
   */
  static <T> List<T> pendingHeartbeats(EmbeddedControlPlane plane, String id, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (PendingActivityInfo a : pendingActivities(plane, id)) {
      if (a.hasHeartbeatDetails()) {
        T v =
            DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
                0, Optional.of(a.getHeartbeatDetails()), type, type);
        if (v != null) {
          out.add(v);
        }
      }
    }
    return out;
  }

  /**
   * The pending activities of workflow {@code id} and of its running child workflows (a model's
   * finetune cells run in {@code CellWorkflow} children since #15); empty while it has not started.
   */
  static List<PendingActivityInfo> pendingActivities(EmbeddedControlPlane plane, String id) {
    DescribeWorkflowExecutionResponse r = describe(plane, id);
    if (r == null) {
      return List.of();
    }
    List<PendingActivityInfo> all = new java.util.ArrayList<>(r.getPendingActivitiesList());
    for (var child : r.getPendingChildrenList()) {
      DescribeWorkflowExecutionResponse c = describe(plane, child.getWorkflowId());
      if (c != null) {
        all.addAll(c.getPendingActivitiesList());
      }
    }
    return all;
  }

  /**
   * What workflow {@code id} and its pending children wait on, for a failure message: status,
   * pending activities (type, attempt, state, last worker, last failure) and the last events.
   */
  static String stateOf(EmbeddedControlPlane plane, String id) {
    StringBuilder out = new StringBuilder();
    ArrayDeque<String> ids = new ArrayDeque<>(List.of(id));
    while (!ids.isEmpty()) {
      String w = ids.poll();
      DescribeWorkflowExecutionResponse r = describe(plane, w);
      if (r == null) {
        out.append(w).append(": not found\n");
        continue;
      }
      out.append(w).append(": ").append(r.getWorkflowExecutionInfo().getStatus()).append('\n');
      for (PendingActivityInfo a : r.getPendingActivitiesList()) {
        out.append("  activity ")
            .append(a.getActivityType().getName())
            .append(" attempt ")
            .append(a.getAttempt())
            .append(' ')
            .append(a.getState())
            .append(" worker ")
            .append(a.getLastWorkerIdentity())
            .append(a.hasLastFailure() ? " last failure " + a.getLastFailure().getMessage() : "")
            .append('\n');
      }
      r.getPendingChildrenList().forEach(c -> ids.add(c.getWorkflowId()));
      List<HistoryEvent> events = plane.client().fetchHistory(w).getEvents();
      for (var e : events.subList(Math.max(0, events.size() - 8), events.size())) {
        out.append("  event ").append(e.getEventId()).append(' ').append(e.getEventType());
        out.append('\n');
      }
    }
    return out.toString();
  }

  /** Workflow {@code id}'s description, or null while it does not exist. */
  private static DescribeWorkflowExecutionResponse describe(EmbeddedControlPlane plane, String id) {
    DescribeWorkflowExecutionResponse r;
    try {
      r =
          plane
              .client()
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(EmbeddedControlPlane.NAMESPACE)
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                      .build());
    } catch (StatusRuntimeException e) {
      return null;
    }
    return r;
  }

  /** A process's log, or a line saying why it could not be read (for failure messages). */
  static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(" + log + ": " + e.getMessage() + ")";
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
