package io.labelcurve.activities.importer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/**
 * What an import did.
 *
 * @param manifest the written manifest
 * @param keyFile the pseudonym key in use
 * @param filesPerKind units found per kind (DICOM files, videos, image sequences)
 * @param imported units decoded in this run
 * @param resumed units an earlier run had finished (skipped)
 * @param counts per label, per split: {sequences, frames}
 * @param splits the splits, training split first
 * @param refused inputs left out, with the reason
 * @param seconds wall time
 */
public record ImportSummary(
    Path manifest,
    Path keyFile,
    Map<String, Integer> filesPerKind,
    int imported,
    int resumed,
    SortedMap<String, Map<String, int[]>> counts,
    List<String> splits,
    List<Refusal> refused,
    double seconds) {

  /** Total frames in the manifest. */
  public int frames() {
    return counts.values().stream().flatMap(m -> m.values().stream()).mapToInt(c -> c[1]).sum();
  }

  /** Total sequences in the manifest. */
  public int sequences() {
    return counts.values().stream().flatMap(m -> m.values().stream()).mapToInt(c -> c[0]).sum();
  }

  /**
   * The summary table: found, imported, sequences and frames per class and split, refused inputs.
   */
  public String format() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "found: %s; imported %d, already done %d (resumed), refused %d, %.1f s%n",
            filesPerKind,
            imported,
            resumed,
            refused.size(),
            seconds));
    List<String> header = new ArrayList<>();
    header.add("class");
    splits.forEach(s -> header.add(s + " seq/frames"));
    int labelWidth = Math.max(5, counts.keySet().stream().mapToInt(String::length).max().orElse(5));
    sb.append(String.format(Locale.ROOT, "%-" + labelWidth + "s", header.get(0)));
    for (String h : header.subList(1, header.size())) {
      sb.append(String.format(Locale.ROOT, "  %16s", h));
    }
    sb.append('\n');
    int[][] totals = new int[splits.size()][2];
    counts.forEach(
        (label, perSplit) -> {
          sb.append(String.format(Locale.ROOT, "%-" + labelWidth + "s", label));
          for (int i = 0; i < splits.size(); i++) {
            int[] c = perSplit.getOrDefault(splits.get(i), new int[2]);
            totals[i][0] += c[0];
            totals[i][1] += c[1];
            sb.append(String.format(Locale.ROOT, "  %16s", c[0] + " / " + c[1]));
          }
          sb.append('\n');
        });
    sb.append(String.format(Locale.ROOT, "%-" + labelWidth + "s", "total"));
    for (int[] t : totals) {
      sb.append(String.format(Locale.ROOT, "  %16s", t[0] + " / " + t[1]));
    }
    sb.append('\n');
    if (!refused.isEmpty()) {
      sb.append("refused:\n");
      refused.forEach(
          r -> sb.append("  ").append(r.input()).append(": ").append(r.reason()).append('\n'));
    }
    sb.append("manifest: ").append(manifest).append('\n');
    sb.append("pseudonym key: ")
        .append(keyFile)
        .append(
            " (keep it private and out of the dataset; the same key gives the same ids next time)\n");
    return sb.toString();
  }
}
