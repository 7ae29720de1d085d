package io.labelcurve.workflows.activities;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Full-finetuning cells: every encoder weight trainable plus a linear head, trained on the cell's
 * subset, then evaluated. Runs on {@link #TASK_QUEUE} (one activity per device slot).
 */
@ActivityInterface
public interface FinetuneActivities {
  /**
   * The finetune queue: hours-long cells, one per device slot. Extraction has a queue of its own
   * ({@link ExtractionActivities#TASK_QUEUE}) so that it never waits behind these.
   */
  String TASK_QUEUE = "labelcurve-gpu";

  /**
   * Draws the cell's training subset exactly as a probe cell does (nested, seeded), finetunes the
   * encoder with a linear head (AdamW with the HF Trainer defaults, the model's learning rate,
   * linear decay to 0, epochs = max(1, ceil(samples / n)) with the preset's samples — 16384 for
   * {@code paper}), evaluates on every test split at image and sequence level, and writes {@code
   * sweeps/{sweep}/cells/{cell}.json} (adaptation {@code finetune}) with the sampled ids, confusion
   * matrices, training seconds and inference ms per image.
   *
   * <p>Idempotent: when the cell's result already exists it is read back, not recomputed.
   *
   * <p>Durable: every K steps and at the end of each epoch of K steps or more a checkpoint
   * (weights, optimizer state, step, data-order position, seeds) is written under {@code
   * sweeps/{sweep}/checkpoints/{cell}/step-NNNNNNN/}, and the activity heartbeats that checkpoint's
   * URI (a {@code String}). A retry — on any worker — reads the last heartbeat's URI (else the
   * newest complete checkpoint in the bucket) and continues from it: its first step is the
   * checkpoint's step + 1. Give the activity a heartbeat timeout of a few checkpoint intervals.
   * Only the newest two checkpoints are kept; all are deleted when the cell finishes, except the
   * final model when {@code keepFinalModel}.
   */
  @ActivityMethod
  CellResult runFinetuneCell(FinetuneCellRequest request);
}
