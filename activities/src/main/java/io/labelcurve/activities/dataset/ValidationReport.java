package io.labelcurve.activities.dataset;

import java.util.List;

/**
 * What {@link DatasetValidator} found. Every entry names the manifest and, where one is to blame,
 * the row.
 *
 * @param errors problems that make the dataset unusable for the sweep asked for
 * @param warnings problems worth knowing (imbalance, few sequences, unused splits) that do not stop
 *     a sweep
 */
public record ValidationReport(List<String> errors, List<String> warnings) {
  public ValidationReport {
    errors = List.copyOf(errors);
    warnings = List.copyOf(warnings);
  }

  public boolean ok() {
    return errors.isEmpty();
  }

  /** Errors then warnings, one a line, for a CLI. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    errors.forEach(e -> sb.append("error: ").append(e).append('\n'));
    warnings.forEach(w -> sb.append("warning: ").append(w).append('\n'));
    return sb.toString();
  }
}
