package io.labelcurve.starter;

/** A problem the user can fix, printed without a stack trace, exiting with its {@link ExitCode}. */
final class UserError extends RuntimeException {
  private final ExitCode exit;

  UserError(String message) {
    this(message, ExitCode.BAD_INPUT);
  }

  UserError(String message, ExitCode exit) {
    super(message);
    this.exit = exit;
  }

  ExitCode exit() {
    return exit;
  }
}
