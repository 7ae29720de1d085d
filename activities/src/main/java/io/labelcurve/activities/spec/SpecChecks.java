package io.labelcurve.activities.spec;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.DatasetValidator;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.sampling.TrainingPool;
import io.labelcurve.workflows.plan.SpecProblem;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
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
        problems.add(
            new SpecProblem(
                "models[" + i + "]",
                "unknown model '"
                    + id
                    + "'; the catalog has "
                    + catalog.ids()
                    + " (add a folder with model.json and the TorchScript file to the models folder)"));
      }
    }
    if (spec.baseline() != null) {
      finetunable(spec.baseline(), "baseline", catalog, problems);
    }
    for (int i = 0; i < spec.fullPoolFinetune().size(); i++) {
      finetunable(
          spec.fullPoolFinetune().get(i), "full_pool_finetune[" + i + "]", catalog, problems);
    }
    problems.addAll(protocolOptions(spec));
    try {
      Preset.named(spec.preset());
    } catch (BadInputException e) {
      problems.add(new SpecProblem("preset", e.getMessage().replaceFirst("^preset: ", "")));
    }
    throwIfAny(problems);
  }

  /** A model the spec finetunes by name: in the catalog, with a learning rate to finetune at. */
  private static void finetunable(
      String id, String field, ModelCatalog catalog, List<SpecProblem> problems) {
    if (!catalog.contains(id)) {
      problems.add(
          new SpecProblem(
              field,
              "unknown model '"
                  + id
                  + "'; the catalog has "
                  + catalog.ids()
                  + (field.equals("baseline")
                      ? " (the paper's baseline is resnet50-scratch, built in)"
                      : "")));
    } else if (catalog.get(id).finetuneLr() == null) {
      problems.add(
          new SpecProblem(
              field,
              "model '"
                  + id
                  + "' has no 'finetune_lr' in "
                  + catalog.get(id).source()
                  + "; it cannot be finetuned"));
    }
  }

  /** The spec against its dataset: splits, sizes against the pool, sequences per class. */
  public static void checkAgainst(SweepSpec spec, DatasetSummary dataset) {
    throwIfAny(SweepPlanner.checkAgainst(spec, dataset));
  }

  /**
   * {@code augmentation} and {@code vote_frames}: magnitudes in their ranges, a vote of at least
   * one frame. Null fields are the defaults and always valid.
   */
  public static List<SpecProblem> protocolOptions(SweepSpec spec) {
    List<SpecProblem> problems = new ArrayList<>();
    if (spec.augmentation() != null) {
      spec.augmentation()
          .problems("augmentation")
          .forEach(p -> problems.add(new SpecProblem(p.field(), p.message())));
    }
    if (spec.voteFrames() != null && spec.voteFrames() < 0) {
      problems.add(
          new SpecProblem(
              "vote_frames",
              spec.voteFrames()
                  + " is negative; give the"
                  + " frames per test sequence that vote (the paper: 5), or leave it out for all frames"));
    }
    return problems;
  }

  /**
   * The dataset validator for a spec's splits; it warns of few sequences when the spec samples by
   * sequence.
   */
  public static DatasetValidator validator(SweepSpec spec) {
    return new DatasetValidator(spec.trainSplit(), spec.testSplits())
        .sequenceSampling(
            spec.samplings().stream().anyMatch(x -> SamplingSpec.SEQUENCE.equals(x.scheme())));
  }

  /** What planning needs of a manifest, for the spec's training split and augmentation. */
  public static DatasetSummary summarise(
      Manifest manifest, String uri, String digest, SweepSpec spec) {
    return summarise(
        manifest, uri, digest, spec.trainSplit(), spec.augmentationOrDefault().variants());
  }

  /** What planning needs of a manifest, for a training split with the default variants. */
  public static DatasetSummary summarise(
      Manifest manifest, String uri, String digest, String trainSplit) {
    return summarise(manifest, uri, digest, trainSplit, true);
  }

  /**
   * What planning needs of a manifest.
   *
   * @param variants whether the training pool holds augmented variants ({@code augmentation} is not
   *     {@code none})
   */
  public static DatasetSummary summarise(
      Manifest manifest, String uri, String digest, String trainSplit, boolean variants) {
    List<String> classes = manifest.classes();
    int pool = TrainingPool.of(manifest, trainSplit, classes, variants).size();
    Map<String, Integer> tests = new LinkedHashMap<>();
    for (String split : manifest.splits()) {
      if (!split.equals(trainSplit)) {
        tests.put(split, manifest.rowsOf(split).size());
      }
    }
    return new DatasetSummary(
        uri,
        digest,
        classes,
        trainSplit,
        manifest.rowsOf(trainSplit).size(),
        pool,
        new LinkedHashMap<>(manifest.sequencesPerClass(trainSplit)),
        tests);
  }

  private static void throwIfAny(List<SpecProblem> problems) {
    if (!problems.isEmpty()) {
      throw new BadInputException(
          "the sweep spec cannot run:\n  "
              + problems.stream().map(SpecProblem::toString).collect(Collectors.joining("\n  ")));
    }
  }
}
