package io.labelcurve.starter;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A short table of a {@code results.csv}: mean accuracy over seeds per model, sampling and size.
 */
final class ResultsTable {
  private ResultsTable() {}

  static void print(String csv, PrintStream out) {
    String[] lines = csv.split("\n");
    List<String> header = List.of(lines[0].split(","));
    int model = header.indexOf("model");
    int sampling = header.indexOf("sampling");
    int size = header.indexOf("size");
    int perClass = header.indexOf("per_class");
    int split = header.indexOf("test_split");
    int level = header.indexOf("level");
    int accuracy = header.indexOf("accuracy");
    // (model, sampling, size) -> (split level) -> accuracies over seeds
    Map<String, Map<String, List<Double>>> rows = new TreeMap<>();
    TreeSet<String> columns = new TreeSet<>();
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].split(",", -1);
      if (f.length < header.size()) {
        continue;
      }
      String x =
          "sequence".equals(f[sampling])
              ? String.format("%5s seq/class", f[perClass])
              : String.format("%5s images", f[size]);
      String key = String.format("%-24s %-9s %s", f[model], f[sampling], x);
      String column = f[split] + " " + ("image".equals(f[level]) ? "img" : "seq");
      columns.add(column);
      rows.computeIfAbsent(key, k -> new TreeMap<>())
          .computeIfAbsent(column, k -> new ArrayList<>())
          .add(Double.parseDouble(f[accuracy]));
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
