package io.labelcurve.starter;

import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.labelcurve.workflows.sweep.SweepProgress;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.labelcurve.workflows.sweep.SweepWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Progress of a running sweep, read by queries on its workflows. */
final class SweepStatusPrinter {
  private SweepStatusPrinter() {}

  /** The sweep's phase and its models' cells summed. */
  static SweepProgress progress(WorkflowClient client, String sweepId, List<String> models) {
    return SweepOps.progress(client, sweepId, models);
  }

  /** Prints progress until the sweep ends; returns its result or throws a {@link UserError}. */
  static SweepResult await(WorkflowClient client, String sweepId, List<String> models, PrintStream out) {
    WorkflowStub stub = client.newUntypedWorkflowStub(sweepId);
    String last = "";
    while (true) {
      try {
        return stub.getResult(2, TimeUnit.SECONDS, SweepResult.class);
      } catch (TimeoutException stillRunning) {
        try {
          SweepProgress p = progress(client, sweepId, models);
          String line = String.format("  %-16s %d/%d cells done, %d failed, %d running",
              p.phase(), p.done(), p.cells(), p.failed(), p.running());
          if (!line.equals(last)) {
            out.println(line);
            last = line;
          }
        } catch (RuntimeException queryFailed) {
          // A query can fail while a workflow task is in flight; the next one will answer.
        }
      } catch (WorkflowFailedException e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
          cause = cause.getCause();
        }
        String message = cause instanceof ApplicationFailure af ? af.getOriginalMessage() : cause.getMessage();
        throw new UserError("sweep " + sweepId + " failed: " + message);
      }
    }
  }
}
