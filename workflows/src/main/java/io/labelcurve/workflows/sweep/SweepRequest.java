package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.spec.SweepSpec;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a sweep run is asked to do.
 *
 * @param spec the sweep
 * @param onlyCells ids of the cells this run executes; {@code null} runs every planned cell (a
 *     first start). A rerun names the failed and missing cells here; finished cells stay untouched.
 * @param searchAttributes set the {@code Labelcurve*} search attributes on the model workflows; off
 *     for the embedded server, which rejects attributes that were not registered
 */
public record SweepRequest(SweepSpec spec, Set<String> onlyCells, boolean searchAttributes) {
  public SweepRequest {
    // Sorted, so that the request serialises the same way every time.
    onlyCells =
        onlyCells == null ? null : java.util.Collections.unmodifiableSet(new TreeSet<>(onlyCells));
  }

  /** Every cell of the spec, no search attributes. */
  public static SweepRequest all(SweepSpec spec) {
    return new SweepRequest(spec, null, false);
  }

  /** True when this run executes the cell. */
  public boolean runs(String cellId) {
    return onlyCells == null || onlyCells.contains(cellId);
  }
}
