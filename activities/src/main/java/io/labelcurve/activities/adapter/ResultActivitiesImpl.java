package io.labelcurve.activities.adapter;

import io.labelcurve.activities.report.SweepReport;
import io.labelcurve.activities.results.ResultsCsv;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.Failures;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/** See {@link ResultActivities}. */
public final class ResultActivitiesImpl implements ResultActivities {
  private final ActivityContext context;

  public ResultActivitiesImpl(ActivityContext context) {
    this.context = context;
  }

  @Override
  public String writeSpec(SweepSpec spec, DatasetSummary dataset) {
    return Failures.call(
        () -> {
          Map<String, String> modelKeys = new LinkedHashMap<>();
          for (String m : spec.allModels()) {
            modelKeys.put(m, context.catalog().modelKey(m));
          }
          return sweep(spec.id()).writeSpec(spec, dataset, modelKeys, Provenance.version());
        });
  }

  @Override
  public String writeFailures(String sweepId, String part, Map<String, String> failures) {
    return Failures.call(() -> sweep(sweepId).writeFailures(part, failures));
  }

  @Override
  public String writeResults(String sweepId) {
    return Failures.call(
        () -> {
          SweepStore sweep = sweep(sweepId);
          return sweep.writeResults(ResultsCsv.render(sweep.readCells()));
        });
  }

  @Override
  public String writeReport(String sweepId) {
    return Failures.call(
        () -> {
          SweepStore sweep = sweep(sweepId);
          Path dir = Files.createTempDirectory("labelcurve-report-");
          try {
            SweepReport.Summary summary = SweepReport.write(context.store(), sweepId, dir, false);
            for (Path file : summary.files()) {
              sweep.writeReportFile(dir.relativize(file).toString().replace('\\', '/'), file);
            }
            return sweep.reportUri();
          } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
              walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
          }
        });
  }

  private SweepStore sweep(String sweepId) {
    return new SweepStore(context.store(), sweepId);
  }
}
