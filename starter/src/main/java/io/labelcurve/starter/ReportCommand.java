package io.labelcurve.starter;

import io.labelcurve.activities.report.SweepReport;
import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code labelcurve report SWEEP_ID --out DIR}: the sweep's report (learning curves with 95% bands,
 * the full-data table, the trade-off, labels needed, paired tests, confusion matrices, provenance)
 * as {@code index.html} with PNG, SVG and CSV files. Works on a running sweep: the report is then
 * marked partial (no {@code results.csv} yet, or fewer cells than planned).
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Write a sweep's report (index.html, charts as PNG and SVG, tables as CSV) into a folder.")
final class ReportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SWEEP_ID", description = "the sweep's id")
  String sweepId;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      required = true,
      description = "folder to write the report into")
  Path out;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "read the bucket of an embedded"
              + " data folder (that of demo/up, e.g. ~/.labelcurve) directly, without a running S3 endpoint")
  Path dataDir;

  @Mixin ConnectionOptions connection;
  @Mixin OutputOptions output;

  @Override
  public Integer call() throws Exception {
    SweepReport.Summary summary;
    if (dataDir != null) {
      try (EmbeddedS3 s3 = EmbeddedS3.start(dataDir.resolve("s3"), 0);
          S3BlobStore store = S3BlobStore.connect(s3.settings(connection.s3Settings().bucket()))) {
        summary = write(store);
      }
    } else {
      try (S3BlobStore store = connection.store()) {
        summary = write(store);
      }
    }
    if (output.json()) {
      java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
      json.put("sweep", sweepId);
      json.put("partial", summary.partial());
      json.put("cells", summary.cells());
      json.put("planned_cells", summary.plannedCells() >= 0 ? summary.plannedCells() : null);
      json.put("index", summary.index().toAbsolutePath().toString());
      output.printJson(json);
      return ExitCode.OK.code();
    }
    System.out.printf(
        Locale.ROOT,
        "%s report of sweep %s: %d of %s planned cells%n%s%n",
        summary.partial() ? "PARTIAL" : "complete",
        sweepId,
        summary.cells(),
        summary.plannedCells() >= 0 ? String.valueOf(summary.plannedCells()) : "?",
        summary.index().toAbsolutePath());
    return ExitCode.OK.code();
  }

  private SweepReport.Summary write(BlobStore store) throws Exception {
    try {
      return SweepReport.write(store, sweepId, out, false);
    } catch (java.io.IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("no sweep")) {
        throw new UserError(e.getMessage());
      }
      throw e;
    }
  }
}
