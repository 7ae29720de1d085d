package io.labelcurve.starter;

import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.labelcurve.workflows.sweep.SweepProgress;
import io.labelcurve.workflows.sweep.SweepRequest;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The operations on existing sweeps (status, list, cancel, rerun). What a sweep asked for and what
 * it finished is read from the bucket ({@link SweepStore}: its spec, finished cells and recorded
 * failures), so that they work after the embedded server restarted and without a visibility API;
 * what is running now is read by queries on the workflows.
 */
final class SweepOps {
  private SweepOps() {}

  /**
   * The state of a sweep over all its runs.
   *
   * @param state the workflow's status ({@code RUNNING}, {@code COMPLETED}, {@code CANCELED},
   *     {@code FAILED}, …) or {@code UNKNOWN} when the server does not know it (restarted)
   * @param phase the running sweep's phase, else the state
   * @param cells planned cells of the sweep
   * @param done finished cells (their results are in the bucket)
   * @param failed cells that failed and were not finished since
   * @param running cells in flight
   * @param left cells not finished, failed or running
   * @param images images with embeddings ready (running sweeps only; 0 otherwise)
   * @param etaSeconds time left at the current run's cell rate; null when unknown
   * @param failedModels model id → why its model workflow failed (the last run's)
   * @param embedding the models embedding now: images done of all, rate, ETA (running sweeps)
   */
  record Status(
      String sweep,
      String state,
      String phase,
      int cells,
      int done,
      int failed,
      int running,
      int left,
      long images,
      Double etaSeconds,
      Map<String, String> failedModels,
      List<EmbeddingProgress.Model> embedding) {
    Status(
        String sweep,
        String state,
        String phase,
        int cells,
        int done,
        int failed,
        int running,
        int left,
        long images,
        Double etaSeconds,
        Map<String, String> failedModels) {
      this(
          sweep,
          state,
          phase,
          cells,
          done,
          failed,
          running,
          left,
          images,
          etaSeconds,
          failedModels,
          List.of());
    }
  }

  /** What the sweep asked for; a user error naming where it was looked for when it is not there. */
  static SweepStore.StoredSpec require(BlobStore store, String sweepId) throws IOException {
    SweepStore sweep = new SweepStore(store, sweepId);
    return sweep
        .readSpec()
        .orElseThrow(
            () ->
                new UserError(
                    "no sweep '"
                        + sweepId
                        + "' in "
                        + sweep.uri(sweep.prefix())
                        + " (it writes spec.json once its dataset"
                        + " is checked); see 'labelcurve sweep list'"));
  }

  static Optional<WorkflowExecutionDescription> describe(WorkflowClient client, String sweepId) {
    try {
      return Optional.of(client.newUntypedWorkflowStub(sweepId).describe());
    } catch (RuntimeException e) {
      // Only "no such workflow" means no sweep; an unreachable server must not read as one.
      if (TemporalErrors.notFound(e)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  static Status status(WorkflowClient client, BlobStore store, String sweepId) throws IOException {
    Optional<WorkflowExecutionDescription> d = describe(client, sweepId);
    String state =
        d.map(x -> x.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", ""))
            .orElse("UNKNOWN");
    SweepStore sweep = new SweepStore(store, sweepId);
    Optional<SweepStore.StoredSpec> maybe = sweep.readSpec();
    if (maybe.isEmpty() && d.isPresent()) {
      // Still validating its dataset: spec.json is written after; the workflow alone answers.
      SweepProgress p = progress(client, sweepId, List.of());
      return new Status(
          sweepId,
          state,
          p.phase().label(),
          p.cells(),
          p.done(),
          p.failed(),
          p.running(),
          Math.max(0, p.left()),
          p.images(),
          null,
          p.failedModels());
    }
    SweepStore.StoredSpec stored = maybe.isPresent() ? maybe.get() : require(store, sweepId);
    List<Cell> planned = stored.cells();
    Set<String> plannedIds = new LinkedHashSet<>();
    planned.forEach(c -> plannedIds.add(c.id()));
    if (d.isPresent()
        && d.get().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      // This run's cells by queries; cells outside this run (a rerun) were finished before it.
      SweepProgress p = progress(client, sweepId, stored.spec().allModels());
      int outside = p.cells() == 0 ? 0 : planned.size() - p.cells();
      int done = outside + p.done();
      int left = Math.max(0, planned.size() - done - p.failed() - p.running());
      Double eta = null;
      Instant started = d.get().getStartTime();
      if (p.done() > 0 && started != null) {
        double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
        eta = seconds / p.done() * (left + p.running());
      }
      return new Status(
          sweepId,
          state,
          p.phase().label(),
          planned.size(),
          done,
          p.failed(),
          p.running(),
          left,
          p.images(),
          eta,
          p.failedModels(),
          EmbeddingProgress.of(client, sweepId, stored.spec().models(), stored.dataset()));
    }
    Set<String> done = sweep.finishedCells();
    done.retainAll(plannedIds);
    Set<String> failed = new TreeSet<>(sweep.readFailures().keySet());
    failed.retainAll(plannedIds);
    failed.removeAll(done);
    int left = planned.size() - done.size() - failed.size();
    return new Status(
        sweepId,
        state,
        state.toLowerCase(java.util.Locale.ROOT),
        planned.size(),
        done.size(),
        failed.size(),
        0,
        left,
        imagesOfLastRun(client, d),
        left == 0 ? 0.0 : null,
        failedModelsOfLastRun(client, d));
  }

  /**
   * A failed run's failed models and why, from the sweep's progress query (it answers after the
   * sweep closed); empty for other states.
   */
  private static Map<String, String> failedModelsOfLastRun(
      WorkflowClient client, Optional<WorkflowExecutionDescription> d) {
    if (d.isEmpty()
        || d.get().getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED) {
      return Map.of();
    }
    return client
        .newWorkflowStub(SweepWorkflow.class, d.get().getExecution().getWorkflowId())
        .progress()
        .failedModels();
  }

  /** A completed run's images embedded, from its result in the history; 0 for other states. */
  private static long imagesOfLastRun(
      WorkflowClient client, Optional<WorkflowExecutionDescription> d) {
    if (d.isEmpty()
        || d.get().getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      return 0;
    }
    return client
        .newUntypedWorkflowStub(
            d.get().getExecution().getWorkflowId(),
            Optional.of(d.get().getExecution().getRunId()),
            Optional.empty())
        .getResult(SweepResult.class)
        .imagesEmbedded();
  }

  /** The running sweep's phase and its models' cells summed (this run's cells). */
  static SweepProgress progress(WorkflowClient client, String sweepId, List<String> models) {
    SweepProgress parent = client.newWorkflowStub(SweepWorkflow.class, sweepId).progress();
    String parentRun = describe(client, sweepId).map(x -> x.getExecution().getRunId()).orElse("");
    int done = 0;
    int failed = 0;
    int running = 0;
    long images = 0;
    for (String m : models) {
      String childId = ModelSweepWorkflow.workflowId(sweepId, m);
      try {
        WorkflowExecutionDescription child = client.newUntypedWorkflowStub(childId).describe();
        // A child of an earlier run (before a rerun) must not be counted in this one.
        if (child.getParentExecution() == null
            || !parentRun.equals(child.getParentExecution().getRunId())) {
          continue;
        }
        SweepProgress p = client.newWorkflowStub(ModelSweepWorkflow.class, childId).progress();
        done += p.done();
        failed += p.failed();
        running += p.running();
        images += p.images();
      } catch (RuntimeException notStartedYet) {
        // The child starts after validation; until then it has nothing to say.
        if (TemporalErrors.unreachable(notStartedYet).isPresent()) {
          throw notStartedYet;
        }
      }
    }
    // A failed model workflow is known to the sweep only; keep it and its reason.
    return new SweepProgress(
        parent.phase(),
        parent.cells(),
        Math.max(done, parent.done()),
        Math.max(failed, parent.failed()),
        running,
        images,
        parent.failedModels());
  }

  /** Every sweep with a spec.json in the bucket, each with its status. */
  static List<Status> list(WorkflowClient client, BlobStore store) throws IOException {
    List<Status> out = new ArrayList<>();
    for (String id : SweepStore.sweepIds(store)) {
      out.add(status(client, store, id));
    }
    return out;
  }

  /**
   * The cells a rerun executes: failed (recorded in {@code failures/} and not finished since),
   * plus, unless {@code failedOnly}, every planned cell without a result (never started, cancelled,
   * lost with a restarted server).
   */
  static Set<String> cellsToRerun(BlobStore store, SweepStore.StoredSpec stored, boolean failedOnly)
      throws IOException {
    SweepStore sweep = new SweepStore(store, stored.spec().id());
    Set<String> done = sweep.finishedCells();
    Set<String> failed = sweep.readFailures().keySet();
    Set<String> cells = new TreeSet<>();
    for (Cell c : stored.cells()) {
      if (done.contains(c.id())) {
        continue;
      }
      if (!failedOnly || failed.contains(c.id())) {
        cells.add(c.id());
      }
    }
    return cells;
  }

  /** Starts the rerun of a closed sweep; returns the cells it runs (empty: nothing to do). */
  static Set<String> rerun(
      WorkflowClient client,
      BlobStore store,
      String sweepId,
      boolean failedOnly,
      boolean searchAttributes)
      throws IOException {
    SweepStore.StoredSpec stored = require(store, sweepId);
    Optional<WorkflowExecutionDescription> d = describe(client, sweepId);
    if (d.isPresent()
        && d.get().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new UserError(
          "sweep '"
              + sweepId
              + "' is still running; wait for it or cancel it"
              + " (labelcurve sweep cancel "
              + sweepId
              + ") before a rerun");
    }
    Set<String> cells = cellsToRerun(store, stored, failedOnly);
    if (!cells.isEmpty()) {
      SweepLauncher.rerun(client, new SweepRequest(stored.spec(), cells, searchAttributes));
    }
    return cells;
  }

  /** Asks the sweep to stop: no new cells; cells in flight finish; results.csv is written. */
  static void cancel(WorkflowClient client, String sweepId) {
    Optional<WorkflowExecutionDescription> d = describe(client, sweepId);
    if (d.isEmpty()) {
      throw new UserError("no sweep '" + sweepId + "' on this Temporal server");
    }
    if (d.get().getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new UserError(
          "sweep '"
              + sweepId
              + "' is not running ("
              + d.get().getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "")
              + ")");
    }
    WorkflowStub stub = client.newUntypedWorkflowStub(sweepId);
    stub.cancel();
  }

  static Map<String, Object> json(Status s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sweep", s.sweep());
    m.put("state", s.state());
    m.put("phase", s.phase());
    m.put("cells", s.cells());
    m.put("done", s.done());
    m.put("failed", s.failed());
    m.put("running", s.running());
    m.put("left", s.left());
    m.put("images_embedded", s.images());
    m.put("eta_seconds", s.etaSeconds() == null ? null : Math.round(s.etaSeconds()));
    m.put("failed_models", s.failedModels());
    m.put("embedding", s.embedding().stream().map(EmbeddingProgress::json).toList());
    return m;
  }

  static String line(Status s) {
    return String.format(
            java.util.Locale.ROOT,
            "sweep %s: %s (%s), %d cells: %d done, %d failed, %d running, %d left; %d images embedded; ETA %s",
            s.sweep(),
            s.state(),
            s.phase(),
            s.cells(),
            s.done(),
            s.failed(),
            s.running(),
            s.left(),
            s.images(),
            eta(s.etaSeconds()))
        + (s.embedding().isEmpty() ? "" : "\n  " + EmbeddingProgress.line(s.embedding()))
        + s.failedModels().entrySet().stream()
            .map(e -> "\n  model " + e.getKey() + " failed: " + e.getValue())
            .collect(java.util.stream.Collectors.joining());
  }

  static String eta(Double seconds) {
    if (seconds == null) {
      return "unknown";
    }
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
        : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
  }

  /** A one-line progress bar. */
  static String bar(Status s, int width) {
    double f = s.cells() == 0 ? 0 : (double) (s.done() + s.failed()) / s.cells();
    int filled = (int) Math.round(f * width);
    return String.format(
        java.util.Locale.ROOT,
        "[%s%s] %3.0f%% %d/%d done, %d failed, %d running, ETA %s",
        "#".repeat(filled),
        ".".repeat(width - filled),
        f * 100,
        s.done(),
        s.cells(),
        s.failed(),
        s.running(),
        eta(s.etaSeconds()));
  }
}
