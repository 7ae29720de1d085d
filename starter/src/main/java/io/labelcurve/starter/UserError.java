package io.labelcurve.starter;

/** A problem the user can fix, printed without a stack trace. */
final class UserError extends RuntimeException {
  UserError(String message) {
    super(message);
  }
}
