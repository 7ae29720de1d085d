package io.labelcurve.activities.dataset;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A parsed dataset manifest: its rows in file order. Read one with {@link ManifestReader}; check
 * its meaning (splits, leakage, images) with {@link DatasetValidator}.
 *
 * @param location names the manifest in messages (a path or a URI)
 * @param rows the rows in file order
 */
public record Manifest(String location, List<ManifestRow> rows) {
  public Manifest {
    rows = List.copyOf(rows);
  }

  /** Split names in order of first appearance in the file. */
  public List<String> splits() {
    Set<String> seen = new LinkedHashSet<>();
    for (ManifestRow r : rows) {
      seen.add(r.split());
    }
    return List.copyOf(seen);
  }

  /** Every label, sorted (String order): the class index of a label is its position here. */
  public List<String> classes() {
    return labelsOf(rows);
  }

  /** Labels present in one split, sorted. */
  public List<String> classesOf(String split) {
    return labelsOf(rowsOf(split));
  }

  private static List<String> labelsOf(List<ManifestRow> some) {
    Set<String> labels = new TreeSet<>();
    for (ManifestRow r : some) {
      labels.add(r.label());
    }
    return List.copyOf(labels);
  }

  /** Rows of one split, in file order; empty when the split does not exist. */
  public List<ManifestRow> rowsOf(String split) {
    List<ManifestRow> out = new ArrayList<>();
    for (ManifestRow r : rows) {
      if (r.split().equals(split)) {
        out.add(r);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** Distinct sequences per label in one split, labels sorted. */
  public SortedMap<String, Integer> sequencesPerClass(String split) {
    Map<String, Set<String>> sequences = new HashMap<>();
    for (ManifestRow r : rowsOf(split)) {
      sequences.computeIfAbsent(r.label(), k -> new HashSet<>()).add(r.sequence());
    }
    SortedMap<String, Integer> out = new TreeMap<>();
    sequences.forEach((label, seqs) -> out.put(label, seqs.size()));
    return Collections.unmodifiableSortedMap(out);
  }

  /** Images (rows) per label in one split, labels sorted. */
  public SortedMap<String, Integer> imagesPerClass(String split) {
    SortedMap<String, Integer> out = new TreeMap<>();
    for (ManifestRow r : rowsOf(split)) {
      out.merge(r.label(), 1, Integer::sum);
    }
    return Collections.unmodifiableSortedMap(out);
  }
}
