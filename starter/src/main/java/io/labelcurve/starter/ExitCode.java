package io.labelcurve.starter;

/**
 * The exit codes of every {@code labelcurve} command, one meaning each, so that a script can tell
 * "some cells failed" from "the server is down" (README, "Exit codes"). Commands return {@link
 * #code()}; failures carry theirs in a {@link UserError}; the CLI's exception handler maps the
 * rest.
 */
enum ExitCode {
  /** The command did what it was asked; a sweep it followed finished every cell. */
  OK(0, "success"),
  /** The sweep ran to its end, but some cells failed (their reasons are printed). */
  CELLS_FAILED(1, "the sweep ended, some cells failed"),
  /**
   * The user's input is wrong (a flag, spec, manifest, image, model file, environment variable, a
   * port in use, no such sweep); nothing expensive was started.
   */
  BAD_INPUT(2, "bad input or usage"),
  /** Temporal or the bucket did not answer. */
  UNREACHABLE(3, "Temporal or S3 unreachable"),
  /** The sweep workflow failed, was cancelled, terminated or timed out. */
  SWEEP_FAILED(4, "the sweep failed or was cancelled"),
  /** {@code models check}: the engine does not compute what PyTorch does. */
  NUMERICS_WRONG(5, "a model's numerics check failed"),
  /**
   * {@code worker --require-gpu}: libtorch is not a CUDA build or sees fewer GPUs than asked for;
   * the worker did not start.
   */
  NO_GPU(6, "--require-gpu, and no GPU was found"),
  /** A bug: an unexpected exception, printed with its stack trace. */
  INTERNAL(70, "internal error (a bug: please report it with the stack trace)");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  int code() {
    return code;
  }

  String meaning() {
    return meaning;
  }

  /** What a sweep that ended with {@code failedCells} failed cells exits with. */
  static ExitCode ofCells(int failedCells) {
    return failedCells == 0 ? OK : CELLS_FAILED;
  }

  /** The exit code of a sweep's final workflow state ({@code COMPLETED}, {@code FAILED} …). */
  static ExitCode ofState(String state, int failedCells, int cellsLeft) {
    if (!"COMPLETED".equals(state)) {
      return SWEEP_FAILED;
    }
    return failedCells == 0 && cellsLeft == 0 ? OK : CELLS_FAILED;
  }
}
