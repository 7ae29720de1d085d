package io.labelcurve.starter;

import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.sweep.SweepProgress;
import io.labelcurve.workflows.sweep.SweepResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
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

  /**
   * Prints progress until the sweep ends — cells, and while models embed, their embedding line
   * (images done / total, rate, ETA; the dataset summary comes from the sweep's {@code spec.json}
   * in {@code store}) — and returns its result; a failed or cancelled sweep is a {@link UserError}
   * with {@link ExitCode#SWEEP_FAILED}.
   */
  static SweepResult await(
      WorkflowClient client,
      BlobStore store,
      String sweepId,
      List<String> models,
      PrintStream out) {
    WorkflowStub stub = client.newUntypedWorkflowStub(sweepId);
    String last = "";
    String lastEmbedding = "";
    DatasetSummary dataset = null;
    while (true) {
      try {
        return stub.getResult(2, TimeUnit.SECONDS, SweepResult.class);
      } catch (TimeoutException stillRunning) {
        try {
          SweepProgress p = progress(client, sweepId, models);
          String line =
              String.format(
                  "  %-16s %d/%d cells done, %d failed, %d running",
                  p.phase(), p.done(), p.cells(), p.failed(), p.running());
          if (!line.equals(last)) {
            out.println(line);
            last = line;
          }
          if (dataset == null && store != null) {
            // spec.json is written once the dataset is checked, before any model embeds.
            dataset =
                new SweepStore(store, sweepId)
                    .readSpec()
                    .map(SweepStore.StoredSpec::dataset)
                    .orElse(null);
          }
          if (dataset != null) {
            String embedding =
                EmbeddingProgress.line(EmbeddingProgress.of(client, sweepId, models, dataset));
            if (!embedding.isEmpty() && !embedding.equals(lastEmbedding)) {
              out.println("  " + embedding);
            }
            lastEmbedding = embedding;
          }
        } catch (RuntimeException | java.io.IOException queryFailed) {
          // A query can fail while a workflow task is in flight; the next one will answer.
        }
      } catch (WorkflowFailedException e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
          cause = cause.getCause();
        }
        if (cause instanceof CanceledFailure) {
          throw new UserError(
              "sweep "
                  + sweepId
                  + " was cancelled; finished cells are kept:"
                  + " 'labelcurve sweep rerun "
                  + sweepId
                  + "' runs the rest",
              ExitCode.SWEEP_FAILED);
        }
        String message =
            cause instanceof ApplicationFailure af ? af.getOriginalMessage() : cause.getMessage();
        throw new UserError("sweep " + sweepId + " failed: " + message, ExitCode.SWEEP_FAILED);
      }
    }
  }

  /** {@link #await} without the embedding line (no bucket at hand). */
  static SweepResult await(
      WorkflowClient client, String sweepId, List<String> models, PrintStream out) {
    return await(client, null, sweepId, models, out);
  }
}
