package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.EmbedRequest;
import io.labelcurve.workflows.activities.EmbeddingActivities;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.labelcurve.workflows.activities.ProbeCellRequest;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** See {@link ModelSweepWorkflow}. */
public class ModelSweepWorkflowImpl implements ModelSweepWorkflow {
  private final EmbeddingActivities embedding =
      Workflow.newActivityStub(EmbeddingActivities.class, ActivityOptionsCatalog.embedding());
  private final ProbeActivities probe =
      Workflow.newActivityStub(ProbeActivities.class, ActivityOptionsCatalog.probeCell());

  private String phase = "embedding";
  private int planned;
  private int done;
  private int running;
  private final Map<String, String> failed = new LinkedHashMap<>();

  @Override
  public ModelSweepResult run(ModelSweepRequest request) {
    planned = request.cells().size();
    DatasetSummary dataset = request.dataset();

    // Every split is embedded once, in parallel, before the cells that need it; the cache makes a
    // split that another sweep already embedded cost nothing.
    Promise<EmbeddingSet> trainPromise = Async.function(embedding::embed, new EmbedRequest(
        dataset.manifestUri(), dataset.digest(), dataset.trainSplit(), true, request.model(),
        request.preset()));
    List<Promise<EmbeddingSet>> testPromises = new ArrayList<>();
    for (String split : request.testSplits()) {
      testPromises.add(Async.function(embedding::embed, new EmbedRequest(
          dataset.manifestUri(), dataset.digest(), split, false, request.model(), request.preset())));
    }
    EmbeddingSet train;
    List<EmbeddingSet> tests = new ArrayList<>();
    try {
      train = trainPromise.get();
      for (Promise<EmbeddingSet> p : testPromises) {
        tests.add(p.get());
      }
    } catch (ActivityFailure e) {
      // Without embeddings no cell of this model can run: every cell is failed with the reason.
      String reason = "embedding failed: " + rootMessage(e);
      for (Cell c : request.cells()) {
        failed.put(c.id(), reason);
      }
      phase = "failed";
      return new ModelSweepResult(request.model(), 0, failed, 0, 0);
    }
    int embedded = train.computed();
    int fromCache = train.fromCache();
    for (EmbeddingSet t : tests) {
      embedded += t.computed();
      fromCache += t.fromCache();
    }

    phase = "cells";
    // Each cell's promise is turned into one that never fails, so that waiting for "any" of a
    // full window returns on a failed cell too; the outcome is recorded as the cell completes.
    List<Promise<Void>> inFlight = new ArrayList<>();
    for (Cell cell : request.cells()) {
      while (inFlight.size() >= request.maxCellsInFlight()) {
        Promise.anyOf(inFlight).get();
        inFlight.removeIf(Promise::isCompleted);
      }
      inFlight.add(Async.function(probe::runProbeCell,
              new ProbeCellRequest(request.sweepId(), cell, dataset, train, tests))
          .handle((result, failure) -> {
            if (failure == null) {
              done++;
            } else {
              failed.put(cell.id(), rootMessage(failure));
            }
            running--;
            return null;
          }));
      running++;
    }
    Promise.allOf(inFlight).get();
    phase = "done";
    return new ModelSweepResult(request.model(), done, failed, embedded, fromCache);
  }

  private static String rootMessage(Throwable t) {
    Throwable cause = t;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ApplicationFailure af) {
      return af.getOriginalMessage();
    }
    if (cause instanceof TemporalFailure tf) {
      return tf.getOriginalMessage();
    }
    return String.valueOf(cause.getMessage());
  }

  @Override
  public SweepProgress progress() {
    return new SweepProgress(phase, planned, done, failed.size(), running);
  }
}
