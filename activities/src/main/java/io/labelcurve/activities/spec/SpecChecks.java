package io.labelcurve.activities.spec;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.sampling.TrainingPool;
import io.labelcurve.workflows.plan.SpecProblem;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The checks a spec passes before anything expensive starts; the CLI runs them before it starts a
 * sweep, the dataset activity again on the worker (whose catalog is the one that counts).
 */
public final class SpecChecks {
  private SpecChecks() {}

  /** Shape, preset and model ids; throws one {@link BadInputException} naming every bad field. */
  public static void check(SweepSpec spec, ModelCatalog catalog) {
    List<SpecProblem> problems = new ArrayList<>(SweepPlanner.checkShape(spec));
    for (int i = 0; i < spec.models().size(); i++) {
      String id = spec.models().get(i);
      if (!catalog.contains(id)) {
        problems.add(new SpecProblem("models[" + i + "]", "unknown model '" + id
            + "'; the catalog has " + catalog.ids()
            + " (add a folder with model.json and the TorchScript file to the models folder)"));
      }
    }
    if (spec.baseline() != null) {
      finetunable(spec.baseline(), "baseline", catalog, problems);
    }
    for (int i = 0; i < spec.fullPoolFinetune().size(); i++) {
      finetunable(spec.fullPoolFinetune().get(i), "full_pool_finetune[" + i + "]", catalog,
          problems);
    }
    try {
      Preset.named(spec.preset());
    } catch (BadInputException e) {
      problems.add(new SpecProblem("preset", e.getMessage().replaceFirst("^preset: ", "")));
    }
    throwIfAny(problems);
  }

  /** A model the spec finetunes by name: in the catalog, with a learning rate to finetune at. */
  private static void finetunable(String id, String field, ModelCatalog catalog,
      List<SpecProblem> problems) {
    if (!catalog.contains(id)) {
      problems.add(new SpecProblem(field, "unknown model '" + id + "'; the catalog has "
          + catalog.ids() + (field.equals("baseline")
              ? " (the paper's baseline is resnet50-scratch, built in)" : "")));
    } else if (catalog.get(id).finetuneLr() == null) {
      problems.add(new SpecProblem(field, "model '" + id + "' has no 'finetune_lr' in "
          + catalog.get(id).source() + "; it cannot be finetuned"));
    }
  }

  /** The spec against its dataset: splits, sizes against the pool, sequences per class. */
  public static void checkAgainst(SweepSpec spec, DatasetSummary dataset) {
    throwIfAny(SweepPlanner.checkAgainst(spec, dataset));
  }

  /** What planning needs of a manifest, for the spec's training split. */
  public static DatasetSummary summarise(Manifest manifest, String uri, String digest, String trainSplit) {
    List<String> classes = manifest.classes();
    int pool = TrainingPool.of(manifest, trainSplit, classes, true).size();
    Map<String, Integer> tests = new LinkedHashMap<>();
    for (String split : manifest.splits()) {
      if (!split.equals(trainSplit)) {
        tests.put(split, manifest.rowsOf(split).size());
      }
    }
    return new DatasetSummary(uri, digest, classes, trainSplit, manifest.rowsOf(trainSplit).size(),
        pool, new LinkedHashMap<>(manifest.sequencesPerClass(trainSplit)), tests);
  }

  private static void throwIfAny(List<SpecProblem> problems) {
    if (!problems.isEmpty()) {
      throw new BadInputException("the sweep spec cannot run:\n  " + problems.stream()
          .map(SpecProblem::toString).collect(Collectors.joining("\n  ")));
    }
  }
}
