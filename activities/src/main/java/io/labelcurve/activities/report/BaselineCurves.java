package io.labelcurve.activities.report;

import io.labelcurve.activities.model.BuiltinModels;
import io.labelcurve.activities.results.ResultsCsv;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.Adaptations;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The rows the learning-curve panels draw, with the paper's baseline where it belongs: in its
 * linear-probe figures (Figures 1–2) the ResNet-50 curve is the supervised model <i>trained</i> on
 * each labelled subset, not frozen random features under an SVM. So the finetune cells of the
 * spec's {@link SweepSpec#baseline} at the grid's sizes are drawn in the linear-probe panels too,
 * as {@link #baselineLabel}; linear-probe rows of a built-in untrained model (random features)
 * stay, labelled {@link #randomFeaturesLabel} as the extra they are.
 */
final class BaselineCurves {
  private BaselineCurves() {}

  static String baselineLabel(String model) {
    return model + " (trained: baseline)";
  }

  static String randomFeaturesLabel(String model) {
    return model + " (random features: extra)";
  }

  /** Whether a model's frozen features are random: the built-in untrained encoders. */
  static boolean randomFeatures(String model) {
    return BuiltinModels.RESNET50_SCRATCH.equals(model)
        || BuiltinModels.RANDOM_RESNET18.equals(model);
  }

  /** The rows of the curve panels: every row, relabelled and with the baseline's copies added. */
  static List<ResultsCsv.Row> rows(ReportData data) {
    Set<String> baselineCells = baselineCells(data.spec(), data.dataset());
    boolean probes =
        data.rows().stream().anyMatch(r -> Adaptations.LINEAR_PROBE.equals(r.adaptation()));
    List<ResultsCsv.Row> out = new ArrayList<>(data.rows().size());
    for (ResultsCsv.Row r : data.rows()) {
      out.add(
          Adaptations.LINEAR_PROBE.equals(r.adaptation()) && randomFeatures(r.model())
              ? relabel(r, r.adaptation(), randomFeaturesLabel(r.model()))
              : r);
    }
    if (probes) {
      for (ResultsCsv.Row r : data.rows()) {
        if (baselineCells.contains(r.cell())) {
          out.add(relabel(r, Adaptations.LINEAR_PROBE, baselineLabel(r.model())));
        }
      }
    }
    return out;
  }

  /** The labels {@link #rows} adds, after {@code models}, for the charts' colours. */
  static List<String> labels(List<String> models, List<ResultsCsv.Row> rows) {
    Set<String> out = new LinkedHashSet<>(models);
    rows.forEach(r -> out.add(r.model()));
    return List.copyOf(out);
  }

  private static Set<String> baselineCells(
      Optional<SweepSpec> spec, Optional<DatasetSummary> dataset) {
    if (spec.isEmpty() || dataset.isEmpty() || spec.get().baseline() == null) {
      return Set.of();
    }
    return SweepPlanner.baselineCells(spec.get(), dataset.get()).stream()
        .map(Cell::id)
        .collect(Collectors.toSet());
  }

  private static ResultsCsv.Row relabel(ResultsCsv.Row r, String adaptation, String model) {
    return new ResultsCsv.Row(
        r.cell(),
        model,
        adaptation,
        r.sampling(),
        r.size(),
        r.perClass(),
        r.seed(),
        r.trainImages(),
        r.testSplit(),
        r.level(),
        r.accuracy(),
        r.n(),
        r.trainSeconds(),
        r.inferMsPerImage(),
        r.params());
  }
}
