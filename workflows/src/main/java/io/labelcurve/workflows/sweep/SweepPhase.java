package io.labelcurve.workflows.sweep;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a sweep, or one model's workflow, is. Travels in {@link SweepProgress} as its label (the
 * free strings the phase was before it was an enum), so that a CLI and a worker of different
 * versions still read each other's query results.
 */
public enum SweepPhase {
  /** The sweep checks its spec and dataset (the sweep only). */
  VALIDATING("validating"),
  /**
   * The sweep builds (or finds) its dataset's frame store (the sweep only; new in this version: an
   * older CLI reading a newer worker's progress does not know it).
   */
  FRAMES("frames"),
  /** A model computes or finds its embeddings (model workflows only). */
  EMBEDDING("embedding"),
  /** Cells run. */
  CELLS("cells"),
  /** A model workflow hands over to its next run (continue-as-new). */
  CONTINUING("continuing"),
  /** The sweep writes results.csv. */
  WRITING_RESULTS("writing results"),
  /** The sweep writes its report. */
  WRITING_REPORT("writing report"),
  /** Ended: every cell finished or failed. */
  DONE("done"),
  /** Ended failed: a model's embedding, or a model workflow, failed. */
  FAILED("failed"),
  /** Ended cancelled: no new cells started; those in flight finished. */
  CANCELLED("cancelled");

  private final String label;

  SweepPhase(String label) {
    this.label = label;
  }

  /** The phase as users read it ({@code sweep status}, {@code sweep watch}) and JSON carries it. */
  @JsonValue
  public String label() {
    return label;
  }

  /** The phase of a label; refuses one this version does not know. */
  @JsonCreator
  public static SweepPhase of(String label) {
    for (SweepPhase p : values()) {
      if (p.label.equals(label)) {
        return p;
      }
    }
    throw new IllegalArgumentException("no sweep phase '" + label + "'");
  }

  @Override
  public String toString() {
    return label;
  }
}
