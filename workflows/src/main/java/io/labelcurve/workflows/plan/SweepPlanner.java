package io.labelcurve.workflows.plan;

import io.labelcurve.workflows.spec.Adaptations;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Expands a spec into its cells and checks it against the dataset it names. Pure code: the workflow
 * calls it for the plan, the CLI calls it to refuse a bad spec before anything starts.
 */
public final class SweepPlanner {
  private SweepPlanner() {}

  /** The problems of a spec on its own (no dataset needed); empty when it is well formed. */
  public static List<SpecProblem> checkShape(SweepSpec spec) {
    List<SpecProblem> problems = new ArrayList<>();
    if (spec.id() == null || !spec.id().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
      problems.add(
          new SpecProblem(
              "id",
              "'"
                  + spec.id()
                  + "' is not a valid sweep id: use letters, digits, '.', '_' or '-' (at most 128)"));
    }
    if (spec.dataset() == null || spec.dataset().isBlank()) {
      problems.add(
          new SpecProblem("dataset", "missing: give the path or s3:// URI of a manifest.csv"));
    }
    if (spec.trainSplit() == null || spec.trainSplit().isBlank()) {
      problems.add(new SpecProblem("train_split", "missing: name the manifest split that trains"));
    }
    if (spec.testSplits().isEmpty()) {
      problems.add(
          new SpecProblem("test_splits", "empty: name at least one manifest split to test on"));
    }
    for (int i = 0; i < spec.testSplits().size(); i++) {
      if (spec.testSplits().get(i).equals(spec.trainSplit())) {
        problems.add(
            new SpecProblem(
                "test_splits[" + i + "]",
                "'" + spec.trainSplit() + "' is also the training split; test on held-out data"));
      }
    }
    if (spec.models().isEmpty()) {
      problems.add(new SpecProblem("models", "empty: name at least one model of the catalog"));
    }
    if (new LinkedHashSet<>(spec.models()).size() != spec.models().size()) {
      problems.add(new SpecProblem("models", "a model is listed twice"));
    }
    if (spec.adaptations().isEmpty()) {
      problems.add(new SpecProblem("adaptations", "empty: use " + Adaptations.LINEAR_PROBE));
    }
    for (int i = 0; i < spec.adaptations().size(); i++) {
      String a = spec.adaptations().get(i);
      if (!Adaptations.SUPPORTED.contains(a)) {
        problems.add(
            new SpecProblem(
                "adaptations[" + i + "]",
                "'"
                    + a
                    + "' is not an adaptation this version runs; supported: "
                    + Adaptations.SUPPORTED));
      }
    }
    if (spec.samplings().isEmpty()) {
      problems.add(new SpecProblem("samplings", "empty: give image and/or sequence sizes"));
    }
    Set<String> schemes = new LinkedHashSet<>();
    for (int i = 0; i < spec.samplings().size(); i++) {
      SamplingSpec s = spec.samplings().get(i);
      String field = "samplings[" + i + "]";
      if (!SamplingSpec.IMAGE.equals(s.scheme()) && !SamplingSpec.SEQUENCE.equals(s.scheme())) {
        problems.add(
            new SpecProblem(
                field + ".scheme",
                "'" + s.scheme() + "' is not a sampling scheme; use image or sequence"));
      }
      if (!schemes.add(String.valueOf(s.scheme()))) {
        problems.add(new SpecProblem(field + ".scheme", "'" + s.scheme() + "' is listed twice"));
      }
      if (s.sizes().isEmpty()) {
        problems.add(new SpecProblem(field + ".sizes", "empty: give at least one size"));
      }
      for (int j = 0; j < s.sizes().size(); j++) {
        if (s.sizes().get(j) < 0) {
          problems.add(
              new SpecProblem(
                  field + ".sizes[" + j + "]",
                  s.sizes().get(j)
                      + " is negative; sizes count images or sequences per class (0 = all)"));
        }
      }
    }
    if (spec.seeds() < 1) {
      problems.add(new SpecProblem("seeds", spec.seeds() + " must be at least 1"));
    }
    for (Map.Entry<String, Integer> e : spec.seedsPer().entrySet()) {
      if (e.getValue() == null || e.getValue() < 1) {
        problems.add(
            new SpecProblem("seeds_per." + e.getKey(), e.getValue() + " must be at least 1"));
      }
      if (!e.getKey().matches("[a-z-]+/(image|sequence)")) {
        problems.add(
            new SpecProblem(
                "seeds_per." + e.getKey(),
                "keys are adaptation/sampling, e.g. linear-probe/sequence"));
      }
    }
    if (spec.baseline() != null && !spec.baseline().matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      problems.add(new SpecProblem("baseline", "'" + spec.baseline() + "' is not a model id"));
    }
    if (new LinkedHashSet<>(spec.fullPoolFinetune()).size() != spec.fullPoolFinetune().size()) {
      problems.add(new SpecProblem("full_pool_finetune", "a model is listed twice"));
    }
    for (Map.Entry<String, Integer> e : spec.finetuneEpochs().entrySet()) {
      if (!e.getKey().matches("(image|sequence)/[1-9][0-9]*")) {
        problems.add(
            new SpecProblem(
                "finetune_epochs." + e.getKey(),
                "keys are sampling/size as in the spec's sizes, e.g. sequence/1"));
      }
      if (e.getValue() == null || e.getValue() < 1) {
        problems.add(
            new SpecProblem("finetune_epochs." + e.getKey(), e.getValue() + " must be at least 1"));
      }
    }
    if (spec.maxCellsInFlight() < 1) {
      problems.add(
          new SpecProblem("max_cells_in_flight", spec.maxCellsInFlight() + " must be at least 1"));
    }
    return problems;
  }

  /** The problems of a spec against the dataset it names; empty when every cell can be drawn. */
  public static List<SpecProblem> checkAgainst(SweepSpec spec, DatasetSummary dataset) {
    List<SpecProblem> problems = new ArrayList<>();
    for (int i = 0; i < spec.testSplits().size(); i++) {
      String split = spec.testSplits().get(i);
      if (!dataset.testImages().containsKey(split)) {
        problems.add(
            new SpecProblem(
                "test_splits[" + i + "]",
                "split '"
                    + split
                    + "' has no images in "
                    + dataset.manifestUri()
                    + "; it has "
                    + dataset.testImages().keySet()));
      }
    }
    for (int i = 0; i < spec.samplings().size(); i++) {
      SamplingSpec s = spec.samplings().get(i);
      for (int j = 0; j < s.sizes().size(); j++) {
        int size = s.sizes().get(j);
        String field = "samplings[" + i + "].sizes[" + j + "]";
        if (SamplingSpec.IMAGE.equals(s.scheme()) && size > dataset.trainPoolImages()) {
          problems.add(
              new SpecProblem(
                  field,
                  size
                      + " images is larger than the training pool ("
                      + dataset.trainPoolImages()
                      + " images with augmented variants); use at most "
                      + dataset.trainPoolImages()
                      + " or 0 for all"));
        }
        if (SamplingSpec.SEQUENCE.equals(s.scheme())
            && !s.capPerClass()
            && size > dataset.minSequencesPerClass()) {
          problems.add(
              new SpecProblem(
                  field,
                  size
                      + " sequences per class, but "
                      + smallestClasses(dataset, size)
                      + "; lower the size or set cap_per_class: true"));
        }
      }
    }
    return problems;
  }

  private static String smallestClasses(DatasetSummary dataset, int size) {
    List<String> short_ = new ArrayList<>();
    dataset.sequencesPerClass().entrySet().stream()
        .filter(e -> e.getValue() < size)
        .sorted(java.util.Map.Entry.comparingByKey())
        .forEach(e -> short_.add(e.getKey() + " has " + e.getValue()));
    return String.join(", ", short_);
  }

  /**
   * The cells of a spec, in a stable order: per model of {@link SweepSpec#allModels}, its model ×
   * adaptation × sampling × size × seed cells (model, adaptation, sampling, size, seed), then its
   * {@link #baselineCells baseline cells}, then its {@link #fullPoolCell whole-pool cell}; a cell
   * already planned is not planned again. Sizes of 0 resolve to the whole pool; duplicate resolved
   * sizes are planned once. A spec without baseline or whole-pool models plans exactly the cells it
   * planned before those fields existed (the plan digest of running sweeps depends on it).
   */
  public static List<Cell> plan(SweepSpec spec, DatasetSummary dataset) {
    Map<String, Cell> cells = new java.util.LinkedHashMap<>();
    for (String model : spec.allModels()) {
      if (spec.models().contains(model)) {
        for (String adaptation : spec.adaptations()) {
          for (SamplingSpec s : spec.samplings()) {
            for (int size : resolvedSizes(s, dataset)) {
              for (int seed = 0; seed < spec.seedsFor(adaptation, s.scheme()); seed++) {
                add(
                    cells,
                    new Cell(
                        Cell.idOf(model, adaptation, s.scheme(), size, seed),
                        model,
                        adaptation,
                        s.scheme(),
                        size,
                        seed,
                        s.capPerClass()));
              }
            }
          }
        }
      }
      if (model.equals(spec.baseline())) {
        baselineCells(spec, dataset).forEach(c -> add(cells, c));
      }
      if (spec.fullPoolFinetune().contains(model)) {
        add(cells, fullPoolCell(model, dataset));
      }
    }
    return List.copyOf(cells.values());
  }

  private static void add(Map<String, Cell> cells, Cell cell) {
    cells.putIfAbsent(cell.id(), cell);
  }

  /**
   * The supervised baseline's cells: a finetune cell of {@link SweepSpec#baseline} at every
   * sampling, size and seed of the linear-probe grid, and of the finetune grid when finetune is an
   * adaptation (more seeds of the two where both have a size). In the paper's linear-probe figures
   * the ResNet-50 curve is this model trained on each subset, so the report draws these cells
   * there.
   */
  public static List<Cell> baselineCells(SweepSpec spec, DatasetSummary dataset) {
    if (spec.baseline() == null) {
      return List.of();
    }
    Map<String, Cell> cells = new java.util.LinkedHashMap<>();
    for (SamplingSpec s : spec.samplings()) {
      int seeds = 0;
      for (String adaptation : spec.adaptations()) {
        seeds = Math.max(seeds, spec.seedsFor(adaptation, s.scheme()));
      }
      for (int size : resolvedSizes(s, dataset)) {
        for (int seed = 0; seed < seeds; seed++) {
          add(
              cells,
              new Cell(
                  Cell.idOf(spec.baseline(), Adaptations.FINETUNE, s.scheme(), size, seed),
                  spec.baseline(),
                  Adaptations.FINETUNE,
                  s.scheme(),
                  size,
                  seed,
                  s.capPerClass()));
        }
      }
    }
    return List.copyOf(cells.values());
  }

  /**
   * The paper's Table 3 cell of one model: finetuned on every image of the training pool, seed 0.
   */
  public static Cell fullPoolCell(String model, DatasetSummary dataset) {
    int pool = dataset.trainPoolImages();
    return new Cell(
        Cell.idOf(model, Adaptations.FINETUNE, SamplingSpec.IMAGE, pool, 0),
        model,
        Adaptations.FINETUNE,
        SamplingSpec.IMAGE,
        pool,
        0,
        false);
  }

  static List<Integer> resolvedSizes(SamplingSpec s, DatasetSummary dataset) {
    Set<Integer> sizes = new LinkedHashSet<>();
    for (int size : s.sizes()) {
      if (size == 0) {
        sizes.add(
            SamplingSpec.IMAGE.equals(s.scheme())
                ? dataset.trainPoolImages()
                : dataset.minSequencesPerClass());
      } else {
        sizes.add(size);
      }
    }
    return sizes.stream().sorted().toList();
  }
}
