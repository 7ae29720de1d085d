package io.labelcurve.activities.report;

import java.util.List;

/** Small HTML helpers: escaping and tables. No external JS or CSS. */
final class Html {
  private Html() {}

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /** A table; cells are HTML already (escape text with {@link #esc}). */
  static String table(List<String> header, List<List<String>> rows, String cssClass) {
    StringBuilder b = new StringBuilder("<table class=\"" + cssClass + "\"><thead><tr>");
    header.forEach(h -> b.append("<th>").append(h).append("</th>"));
    b.append("</tr></thead><tbody>\n");
    for (List<String> r : rows) {
      b.append("<tr>");
      r.forEach(c -> b.append("<td>").append(c).append("</td>"));
      b.append("</tr>\n");
    }
    return b.append("</tbody></table>\n").toString();
  }

  static final String STYLE =
      """
      body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
      h1{margin-bottom:.2em} h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
      table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:14px}
      th,td{border:1px solid #ccc;padding:3px 8px;text-align:right} th{background:#f3f3f3}
      td:first-child,th:first-child{text-align:left}
      .partial{background:#fff3cd;border:1px solid #e0b000;padding:.8em 1em;margin:1em 0;font-weight:bold}
      .complete{background:#e7f5ea;border:1px solid #7bbf8a;padding:.8em 1em;margin:1em 0}
      .sig{font-weight:bold;color:#0a5} .na{color:#888}
      img{max-width:100%;border:1px solid #eee} figure{margin:1em 0} figcaption{font-size:13px;color:#555}
      .conf td{min-width:2.2em} pre{background:#f7f7f7;padding:.8em;overflow:auto;font-size:12px}
      .small{font-size:13px;color:#555}
      """;
}
