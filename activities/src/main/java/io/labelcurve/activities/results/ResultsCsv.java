package io.labelcurve.activities.results;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code results.csv}: one row per cell × test split × level, the format the report reads. Columns
 * are fixed; add new ones only at the end.
 */
public final class ResultsCsv {
  public static final String HEADER =
      "sweep,cell,model,adaptation,sampling,size,per_class,seed,"
          + "train_images,test_split,level,accuracy,n,train_seconds,infer_ms_per_image,params";

  /** Cells in plan order: model, adaptation, sampling, size, seed. */
  public static final Comparator<CellRecord> ORDER =
      Comparator.comparing(CellRecord::model)
          .thenComparing(CellRecord::adaptation)
          .thenComparing(CellRecord::sampling)
          .thenComparingInt(CellRecord::size)
          .thenComparingInt(CellRecord::seed);

  private ResultsCsv() {}

  public static String render(List<CellRecord> cells) {
    StringBuilder out = new StringBuilder(HEADER).append('\n');
    cells.stream()
        .sorted(ORDER)
        .forEach(
            c -> {
              for (CellRecord.Score s : c.scores()) {
                out.append(
                        String.join(
                            ",",
                            field(c.sweep()),
                            field(c.cell()),
                            field(c.model()),
                            field(c.adaptation()),
                            field(c.sampling()),
                            String.valueOf(c.size()),
                            c.perClass() == null ? "" : String.valueOf(c.perClass()),
                            String.valueOf(c.seed()),
                            String.valueOf(c.trainImages()),
                            field(s.split()),
                            field(s.level()),
                            String.format(Locale.ROOT, "%.6f", s.accuracy()),
                            String.valueOf(s.n()),
                            String.format(Locale.ROOT, "%.4f", c.trainSeconds()),
                            String.format(Locale.ROOT, "%.4f", c.inferMsPerImage()),
                            String.valueOf(c.params())))
                    .append('\n');
              }
            });
    return out.toString();
  }

  private static String field(String v) {
    if (v.contains(",") || v.contains("\"") || v.contains("\n")) {
      return '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }
}
