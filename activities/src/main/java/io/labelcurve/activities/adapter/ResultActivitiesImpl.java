package io.labelcurve.activities.adapter;

import io.labelcurve.activities.report.SweepReport;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.results.CellRecords;
import io.labelcurve.activities.results.ResultsCsv;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.Failures;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.workflows.activities.ResultActivities;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
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
          Map<String, Object> doc = new LinkedHashMap<>();
          doc.put("spec", spec);
          doc.put("dataset", dataset);
          Map<String, String> models = new LinkedHashMap<>();
          for (String m : spec.allModels()) {
            models.put(m, context.catalog().modelKey(m));
          }
          doc.put("model_keys", models);
          doc.put("labelcurve_version", Provenance.version());
          String key = CellRecords.specKey(spec.id());
          context.store().put(key, CellRecords.MAPPER.writeValueAsBytes(doc));
          return context.store().uri(key);
        });
  }

  @Override
  public String writeFailures(String sweepId, String part, Map<String, String> failures) {
    return Failures.call(
        () -> {
          String key = CellRecords.failuresPrefix(sweepId) + part + ".json";
          context
              .store()
              .put(key, CellRecords.MAPPER.writeValueAsBytes(new java.util.TreeMap<>(failures)));
          return context.store().uri(key);
        });
  }

  @Override
  public String writeResults(String sweepId) {
    return Failures.call(
        () -> {
          String key = CellRecords.resultsKey(sweepId);
          context
              .store()
              .put(key, ResultsCsv.render(readCells(sweepId)).getBytes(StandardCharsets.UTF_8));
          return context.store().uri(key);
        });
  }

  @Override
  public String writeReport(String sweepId) {
    return Failures.call(
        () -> {
          Path dir = Files.createTempDirectory("labelcurve-report-");
          try {
            SweepReport.Summary summary = SweepReport.write(context.store(), sweepId, dir, false);
            String prefix = CellRecords.sweepPrefix(sweepId) + "report/";
            for (Path file : summary.files()) {
              context
                  .store()
                  .putFile(prefix + dir.relativize(file).toString().replace('\\', '/'), file);
            }
            return context.store().uri(prefix + "index.html");
          } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
              walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
          }
        });
  }

  /** Every finished cell of a sweep. */
  public List<CellRecord> readCells(String sweepId) throws IOException {
    List<CellRecord> cells = new ArrayList<>();
    for (String key : context.store().list(CellRecords.cellsPrefix(sweepId))) {
      if (key.endsWith(".json")) {
        cells.add(
            CellRecords.MAPPER.readValue(context.store().get(key).orElseThrow(), CellRecord.class));
      }
    }
    return cells;
  }
}
