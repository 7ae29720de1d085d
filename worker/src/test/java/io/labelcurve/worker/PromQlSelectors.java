package io.labelcurve.worker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series a PromQL expression reads: every vector selector (metric name and label matchers) and,
 * for each {@code sum by (labels) (...)}-style aggregation, the labels it groups by together with
 * the selectors inside it.
 *
 * <p>Hand-written because no PromQL parser for Java is published on Maven Central (the reference
 * parser is Go, in Prometheus itself). It covers the grammar the dashboards and alert rules use:
 * functions, aggregations with {@code by}/{@code without} before or after their argument, binary
 * operators with {@code on}/{@code ignoring}/{@code group_*}, range and subquery brackets, {@code
 * offset}, strings, numbers and Grafana's {@code $variables}. {@code promtool check rules}
 * (deploy/check.sh) checks the full syntax.
 */
final class PromQlSelectors {
  /** One label matcher: {@code label op value}, op one of = != =~ !~. */
  record LabelMatcher(String label, String op, String value) {}

  /** A vector selector. */
  record Selector(String metric, List<LabelMatcher> matchers) {}

  /** An aggregation's grouping labels and the selectors it aggregates. */
  record Grouping(List<String> labels, List<Selector> selectors) {}

  record Parsed(List<Selector> selectors, List<Grouping> groupings) {}

  private static final Set<String> AGGREGATIONS =
      Set.of(
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile");
  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "inf",
          "nan");
  private static final Pattern TOKEN =
      Pattern.compile(
          "\\s+|(?<str>\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*')|(?<range>\\[[^\\]]*\\])"
              + "|(?<id>[A-Za-z_:][A-Za-z0-9_:]*)|(?<var>\\$[A-Za-z0-9_]+)"
              + "|(?<num>[0-9][0-9.eE+\\-]*[a-z]*)|(?<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=(){},@])");

  private PromQlSelectors() {}

  static Parsed parse(String expr) {
    List<String> t = tokens(expr);
    List<Selector> all = new ArrayList<>();
    List<Grouping> groupings = new ArrayList<>();
    parseRange(t, 0, t.size(), all, groupings);
    return new Parsed(all, groupings);
  }

  private static void parseRange(
      List<String> t, int from, int to, List<Selector> out, List<Grouping> groupings) {
    int i = from;
    while (i < to) {
      String tok = t.get(i);
      if (AGGREGATIONS.contains(tok)
          && i + 1 < to
          && (t.get(i + 1).equals("(") || isGrouping(t.get(i + 1)))) {
        List<String> labels = new ArrayList<>();
        int j = i + 1;
        if (isGrouping(t.get(j))) {
          int close = matching(t, j + 1);
          labels.addAll(labelList(t, j + 2, close));
          j = close + 1;
        }
        int close = matching(t, j);
        List<Selector> inner = new ArrayList<>();
        parseRange(t, j + 1, close, inner, groupings);
        j = close + 1;
        if (j < to && isGrouping(t.get(j))) {
          int c2 = matching(t, j + 1);
          labels.addAll(labelList(t, j + 2, c2));
          j = c2 + 1;
        }
        if (!labels.isEmpty()) {
          groupings.add(new Grouping(labels, inner));
        }
        out.addAll(inner);
        i = j;
      } else if (KEYWORDS.contains(tok)) {
        // on (...) / ignoring (...) / group_left (...) list join labels, not series: skip them.
        i += i + 1 < to && t.get(i + 1).equals("(") ? matching(t, i + 1) - i + 1 : 1;
      } else if (Character.isLetter(tok.charAt(0))
          || tok.charAt(0) == '_'
          || tok.charAt(0) == ':') {
        if (i + 1 < to && t.get(i + 1).equals("(")) {
          i++; // a function: its arguments are parsed as they come
        } else {
          List<LabelMatcher> matchers = new ArrayList<>();
          int j = i + 1;
          if (j < to && t.get(j).equals("{")) {
            int close = matching(t, j);
            for (int k = j + 1; k < close; k += 4) {
              matchers.add(new LabelMatcher(t.get(k), t.get(k + 1), unquote(t.get(k + 2))));
            }
            j = close + 1;
          }
          out.add(new Selector(tok, matchers));
          i = j;
        }
      } else {
        i++;
      }
    }
  }

  private static boolean isGrouping(String tok) {
    return tok.equals("by") || tok.equals("without");
  }

  private static List<String> labelList(List<String> t, int from, int to) {
    List<String> labels = new ArrayList<>();
    for (int k = from; k < to; k++) {
      if (!t.get(k).equals(",")) {
        labels.add(t.get(k));
      }
    }
    return labels;
  }

  /** Index of the bracket closing the one at {@code open}. */
  private static int matching(List<String> t, int open) {
    String o = t.get(open);
    String c = o.equals("(") ? ")" : "}";
    int depth = 0;
    for (int i = open; i < t.size(); i++) {
      if (t.get(i).equals(o)) {
        depth++;
      } else if (t.get(i).equals(c) && --depth == 0) {
        return i;
      }
    }
    throw new IllegalArgumentException("unbalanced " + o + " in " + t);
  }

  private static List<String> tokens(String expr) {
    List<String> out = new ArrayList<>();
    Matcher m = TOKEN.matcher(expr);
    int at = 0;
    while (at < expr.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("cannot read PromQL at " + at + ": " + expr);
      }
      if (m.group("range") == null && !m.group().isBlank()) {
        out.add(m.group());
      }
      at = m.end();
    }
    return out;
  }

  private static String unquote(String s) {
    if (s.length() >= 2 && (s.startsWith("\"") || s.startsWith("'"))) {
      return s.substring(1, s.length() - 1).replace("\\\\", "\\").replace("\\\"", "\"");
    }
    return s;
  }

  /** Prometheus text format: series name to the label sets it was scraped with. */
  static Map<String, List<Map<String, String>>> scrape(String text) {
    Map<String, List<Map<String, String>>> series = new LinkedHashMap<>();
    Pattern label = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      Map<String, String> labels = new LinkedHashMap<>();
      String name;
      if (brace >= 0 && brace < space) {
        name = line.substring(0, brace);
        int end = line.lastIndexOf('}');
        Matcher m = label.matcher(line.substring(brace + 1, end));
        while (m.find()) {
          labels.put(m.group(1), m.group(2));
        }
        labels.put("__value__", line.substring(end + 1).trim());
      } else {
        name = line.substring(0, space);
        labels.put("__value__", line.substring(space + 1).trim());
      }
      series.computeIfAbsent(name, k -> new ArrayList<>()).add(labels);
    }
    return series;
  }
}
