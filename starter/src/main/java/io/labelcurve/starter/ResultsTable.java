package io.labelcurve.starter;

import io.labelcurve.activities.results.ResultsCsv;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A short table of a {@code results.csv} (read by {@link ResultsCsv#parse}): mean accuracy over
 * seeds per model, sampling and size.
 */
final class ResultsTable {
  private ResultsTable() {}

  static void print(String csv, PrintStream out) {
    // (model, sampling, size) -> (split level) -> accuracies over seeds
    Map<String, Map<String, List<Double>>> rows = new TreeMap<>();
    TreeSet<String> columns = new TreeSet<>();
    for (ResultsCsv.Row r : ResultsCsv.parse(csv)) {
      String x =
          "sequence".equals(r.sampling())
              ? String.format("%5s seq/class", r.perClass())
              : String.format("%5s images", r.size());
      String key = String.format("%-24s %-9s %s", r.model(), r.sampling(), x);
      String column = r.testSplit() + " " + ("image".equals(r.level()) ? "img" : "seq");
      columns.add(column);
      rows.computeIfAbsent(key, k -> new TreeMap<>())
          .computeIfAbsent(column, k -> new ArrayList<>())
          .add(r.accuracy());
    }
    StringBuilder head = new StringBuilder(String.format("%-51s", "model / sampling / size"));
    columns.forEach(c -> head.append(String.format("%9s", c)));
    out.println(head);
    rows.entrySet().stream()
        .sorted(Map.Entry.comparingByKey(ResultsTable::bySize))
        .forEach(
            e -> {
              StringBuilder line = new StringBuilder(String.format("%-51s", e.getKey()));
              for (String c : columns) {
                List<Double> v = e.getValue().get(c);
                line.append(
                    v == null
                        ? String.format("%9s", "-")
                        : String.format(
                            Locale.ROOT,
                            "%8.1f%%",
                            100 * v.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
              }
              out.println(line);
            });
  }

  /** Model and sampling alphabetically, then size numerically. */
  private static int bySize(String a, String b) {
    String pa = a.substring(0, 35);
    String pb = b.substring(0, 35);
    int c = pa.compareTo(pb);
    if (c != 0) {
      return c;
    }
    return Integer.compare(
        Integer.parseInt(a.substring(35).trim().split(" ")[0]),
        Integer.parseInt(b.substring(35).trim().split(" ")[0]));
  }
}
