package io.labelcurve.activities;

/**
 * This worker computes a model's numbers wrongly (a numerics canary failed: batch sizes disagree,
 * or the engine disagrees with PyTorch's reference). Its message names the model, device, engine
 * and oneDNN versions, the oneDNN setting, the CPU and how far off the numbers were. Activities
 * turn it into a non-retryable {@code ApplicationFailure} of type {@link #TYPE}: results computed
 * here would be wrong, and an operator has to change the worker, not wait for a retry.
 */
public class NumericsCheckFailedException extends RuntimeException {
  /** The failure type workflows and the CLI see. */
  public static final String TYPE = "NumericsCheckFailed";

  public NumericsCheckFailedException(String message) {
    super(message);
  }
}
