package io.labelcurve.activities.csv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * The one CSV dialect labelcurve writes and reads, through Apache Commons CSV: RFC 4180 (fields
 * holding a comma, a quote or a line break are quoted, a quote inside one is doubled), records
 * ended by LF when written and by CRLF or LF when read. Every CSV the project reads or writes —
 * manifests, {@code results.csv}, the report's tables, the importer's manifests and label tables —
 * goes through Commons CSV; this class holds the settings the writers and the simple readers share.
 */
public final class Csv {
  /**
   * Writing: minimal quoting, LF between records (the files are read on Unix and diffed; the
   * manifests the importer writes use the same).
   */
  public static final CSVFormat WRITE = CSVFormat.RFC4180.builder().setRecordSeparator('\n').get();

  /**
   * Reading: CRLF or LF; a blank line is a record of one empty field, so that a reader can tell it
   * from a row and count lines.
   */
  public static final CSVFormat READ = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(false).get();

  private Csv() {}

  /** A header line and the rows, each ended by LF. */
  public static String render(List<String> header, List<? extends List<?>> rows) {
    StringBuilder out = new StringBuilder();
    try (CSVPrinter printer = new CSVPrinter(out, WRITE)) {
      printer.printRecord(header);
      for (List<?> row : rows) {
        printer.printRecord(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("a StringBuilder does not fail", e);
    }
    return out.toString();
  }

  /**
   * Every record of a CSV text, header included, blank lines as records of one empty field.
   *
   * @throws IllegalArgumentException when the text is not CSV (a quoted field never closed, text
   *     after a closing quote)
   */
  public static List<CSVRecord> parse(String text) {
    try (CSVParser parser =
        CSVParser.builder().setReader(new java.io.StringReader(text)).setFormat(READ).get()) {
      return parser.getRecords();
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException("not valid CSV: " + e.getMessage(), e);
    }
  }

  /** Whether a record is a blank line. */
  public static boolean blank(CSVRecord r) {
    return r.size() == 1 && r.get(0).isBlank();
  }
}
