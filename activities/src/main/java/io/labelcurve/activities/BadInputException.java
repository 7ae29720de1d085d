package io.labelcurve.activities;

import io.labelcurve.workflows.sweep.SweepWorkflow;

/**
 * Something a user gave is wrong and retrying cannot help: a malformed manifest, a missing image,
 * an unknown model, an impossible size. The message names the file, row or field and says what to
 * do. Activities turn it into a non-retryable {@code ApplicationFailure} of type {@link #TYPE}.
 */
public class BadInputException extends RuntimeException {
  /** The failure type workflows and the CLI recognise: the workflows' contract constant. */
  public static final String TYPE = SweepWorkflow.BAD_INPUT;

  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code file, row N: message}, the form every manifest error takes. */
  public static BadInputException atRow(String file, int row, String message) {
    return new BadInputException(file + ", row " + row + ": " + message);
  }
}
