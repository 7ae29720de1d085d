package io.labelcurve.starter;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowNotFoundException;
import java.util.Optional;

/** Reads what a Temporal call's exception means for the CLI: not found, or no server at all. */
final class TemporalErrors {
  private TemporalErrors() {}

  /** True when the server answered that the workflow does not exist. */
  static boolean notFound(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof WorkflowNotFoundException) {
        return true;
      }
      if (t instanceof StatusRuntimeException s) {
        return s.getStatus().getCode() == Status.Code.NOT_FOUND;
      }
    }
    return false;
  }

  /** The gRPC status when no server answered (nothing listens, or it timed out). */
  static Optional<Status> unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        Status.Code code = s.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
            ? Optional.of(s.getStatus())
            : Optional.empty();
      }
    }
    return Optional.empty();
  }
}
