package io.labelcurve.activities.results;

import io.labelcurve.activities.csv.Csv;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVRecord;

/**
 * {@code results.csv}: one row per cell × test split × level, the format the report and the CLI's
 * table read. Columns are fixed; add new ones only at the end (readers ignore later columns).
 * Written and read through {@link Csv}.
 */
public final class ResultsCsv {
  public static final String HEADER =
      "sweep,cell,model,adaptation,sampling,size,per_class,seed,"
          + "train_images,test_split,level,accuracy,n,train_seconds,infer_ms_per_image,params";

  private static final List<String> COLUMNS = Arrays.asList(HEADER.split(","));

  /** Cells in plan order: model, adaptation, sampling, size, seed. */
  public static final Comparator<CellRecord> ORDER =
      Comparator.comparing(CellRecord::model)
          .thenComparing(CellRecord::adaptation)
          .thenComparing(CellRecord::sampling)
          .thenComparingInt(CellRecord::size)
          .thenComparingInt(CellRecord::seed);

  /** One line of {@code results.csv}, less the sweep id. */
  public record Row(
      String cell,
      String model,
      String adaptation,
      String sampling,
      int size,
      Integer perClass,
      int seed,
      int trainImages,
      String testSplit,
      String level,
      double accuracy,
      int n,
      double trainSeconds,
      double inferMsPerImage,
      long params) {}

  private ResultsCsv() {}

  /** The rows of the cells, in {@link #ORDER}, each cell's scores in its own order. */
  public static String render(List<CellRecord> cells) {
    List<List<String>> rows = new ArrayList<>();
    cells.stream()
        .sorted(ORDER)
        .forEach(
            c -> {
              for (CellRecord.Score s : c.scores()) {
                rows.add(
                    List.of(
                        c.sweep(),
                        c.cell(),
                        c.model(),
                        c.adaptation(),
                        c.sampling(),
                        String.valueOf(c.size()),
                        c.perClass() == null ? "" : String.valueOf(c.perClass()),
                        String.valueOf(c.seed()),
                        String.valueOf(c.trainImages()),
                        s.split(),
                        s.level(),
                        String.format(Locale.ROOT, "%.6f", s.accuracy()),
                        String.valueOf(s.n()),
                        String.format(Locale.ROOT, "%.4f", c.trainSeconds()),
                        String.format(Locale.ROOT, "%.4f", c.inferMsPerImage()),
                        String.valueOf(c.params())));
              }
            });
    return Csv.render(COLUMNS, rows);
  }

  /**
   * Parses {@code results.csv}: the header must start with {@link #HEADER}'s columns; later columns
   * are ignored, blank lines skipped.
   *
   * @throws IllegalArgumentException naming the line of a row that is not a results row
   */
  public static List<Row> parse(String csv) {
    List<CSVRecord> records = Csv.parse(csv);
    if (records.isEmpty() || !startsWithHeader(records.get(0))) {
      throw new IllegalArgumentException("results.csv does not start with the header " + HEADER);
    }
    List<Row> rows = new ArrayList<>();
    for (CSVRecord f : records.subList(1, records.size())) {
      if (Csv.blank(f)) {
        continue;
      }
      long line = f.getRecordNumber();
      if (f.size() < COLUMNS.size()) {
        throw new IllegalArgumentException(
            "results.csv record "
                + line
                + " has "
                + f.size()
                + " fields, expected "
                + COLUMNS.size());
      }
      try {
        rows.add(
            new Row(
                f.get(1),
                f.get(2),
                f.get(3),
                f.get(4),
                Integer.parseInt(f.get(5)),
                f.get(6).isEmpty() ? null : Integer.valueOf(f.get(6)),
                Integer.parseInt(f.get(7)),
                Integer.parseInt(f.get(8)),
                f.get(9),
                f.get(10),
                Double.parseDouble(f.get(11)),
                Integer.parseInt(f.get(12)),
                Double.parseDouble(f.get(13)),
                Double.parseDouble(f.get(14)),
                Long.parseLong(f.get(15))));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "results.csv record " + line + ": a number column holds " + e.getMessage(), e);
      }
    }
    return rows;
  }

  private static boolean startsWithHeader(CSVRecord header) {
    if (header.size() < COLUMNS.size()) {
      return false;
    }
    for (int i = 0; i < COLUMNS.size(); i++) {
      if (!COLUMNS.get(i).equals(header.get(i))) {
        return false;
      }
    }
    return true;
  }
}
