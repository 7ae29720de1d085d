package io.labelcurve.starter;

import io.labelcurve.activities.model.Preset;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.FinetuneSchedule;
import io.labelcurve.workflows.plan.SweepPlanner;
import io.labelcurve.workflows.spec.Adaptations;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a sweep would run, computed without connecting to anything: its cells per model, adaptation
 * and sampling, the epochs of every finetune cell and an <b>estimate</b> of its GPU hours.
 */
final class SweepPlan {
  /**
   * Images per sampled sequence when the dataset's per-class images are not known (a spec planned
   * without its manifest, or an {@code s3://} one): the paper's "about 300" (§4.6). With a manifest
   * the plan uses its pool per sequence; with {@code --preset paper}, Table 2 per class.
   */
  static final int IMAGES_PER_SEQUENCE_UNKNOWN = 300;

  /** Cells of a group: the spec's model × adaptation grid, the supervised baseline, or Table 3. */
  static final String GRID = "grid";

  static final String BASELINE = "baseline";
  static final String TABLE3 = "table3-whole-pool";

  /**
   * @param role {@link #GRID}, {@link #BASELINE} (finetune cells of the spec's baseline model at
   *     the grid's sizes and seeds, drawn in the linear-probe figures) or {@link #TABLE3}
   */
  record Group(
      String model,
      String adaptation,
      String sampling,
      String role,
      List<Integer> sizes,
      int seeds,
      int cells) {}

  /**
   * @param images training images of a cell of this size (sequence sampling: expected)
   * @param epochs what the workers run: the spec's {@code finetune_epochs}, else the rule
   * @param rule max(1, ceil(samples / images))
   * @param from {@code spec} or {@code rule}
   * @param paper Table 5 or 6 (null outside the paper's preset)
   */
  record Epochs(
      String sampling, int size, int images, int epochs, int rule, String from, Integer paper) {}

  /** One of Table 3's cells: a model finetuned on the whole training pool. */
  record Table3Cell(String cell, String model, int images, int epochs) {}

  /**
   * Device hours on one device kind, from {@link DeviceRates}.
   *
   * @param device the device the rates are for ({@link DeviceRates#DEVICES})
   * @param rates each model's rates with their sources
   * @param longestCellHours the longest finetune cell: no number of devices makes the sweep shorter
   * @param finetuneSlotsAtOnce finetune cells the workflows run at once (max_cells_in_flight per
   *     model, capped by each model's finetune cells): more device slots than this idle
   * @param busySlots slots the finetuning keeps busy for most of its run: the total over the
   *     longest cell, at most {@code finetuneSlotsAtOnce}
   * @param extractionsAtOnce extraction activities that can run at once (a model's training pool
   *     and each test split)
   */
  record Estimate(
      String device,
      double embeddingGpuHours,
      double finetuneGpuHours,
      double totalGpuHours,
      List<DeviceRates.Rate> rates,
      double longestCellHours,
      int finetuneSlotsAtOnce,
      int busySlots,
      int extractionsAtOnce,
      String source) {}

  record Plan(
      String sweep,
      String preset,
      int finetuneSamples,
      int cells,
      Map<String, Integer> cellsPerModel,
      List<Group> groups,
      List<Epochs> finetuneEpochs,
      String baseline,
      List<Table3Cell> table3,
      Estimate estimate,
      List<String> notes) {}

  private SweepPlan() {}

  /**
   * Training images of a cell: its size (image sampling); sequences per class × the images of one
   * sequence of every class (sequence sampling, the expectation of a balanced draw); size 0 (all)
   * is the whole training pool.
   */
  static int images(
      String sampling, int size, DatasetSummary dataset, double imagesPerSequenceSum) {
    if (size <= 0) {
      return dataset.trainPoolImages();
    }
    return SamplingSpec.IMAGE.equals(sampling)
        ? size
        : (int) Math.round(size * imagesPerSequenceSum);
  }

  /**
   * The images of one sequence of every class, summed: from Table 2 per class for the paper;
   * otherwise the pool's images per sequence × classes, or the paper's "about 300" when the dataset
   * is not known.
   */
  static double imagesPerSequenceSum(DatasetSummary dataset, boolean paper) {
    if (paper) {
      return PaperPreset.imagesPerSequencePerClassSum();
    }
    int sequences = dataset.sequencesPerClass().values().stream().mapToInt(Integer::intValue).sum();
    int classes = Math.max(1, dataset.classes().size());
    return sequences > 0 && dataset.trainPoolImages() > 0
        ? (double) dataset.trainPoolImages() / sequences * classes
        : (double) IMAGES_PER_SEQUENCE_UNKNOWN * classes;
  }

  static Plan of(SweepSpec spec, DatasetSummary dataset, boolean paper) {
    return of(spec, dataset, paper, DeviceRates.DEFAULT_DEVICE);
  }

  /** The plan with device hours from {@code device}'s rates ({@link DeviceRates}). */
  static Plan of(SweepSpec spec, DatasetSummary dataset, boolean paper, String device) {
    // A preset changes how many samples a finetune cell sees (cpu-small: 1024), so its epochs.
    Preset preset = spec.preset() == null ? Preset.PAPER : Preset.named(spec.preset());
    int samples = preset.finetuneSamples();
    double perSequence = imagesPerSequenceSum(dataset, paper);
    List<Cell> cells = SweepPlanner.plan(spec, dataset);
    java.util.Set<String> gridIds = new java.util.HashSet<>();
    SweepPlanner.plan(
            new SweepSpec(
                spec.id(),
                spec.dataset(),
                spec.trainSplit(),
                spec.testSplits(),
                spec.models(),
                spec.adaptations(),
                spec.samplings(),
                spec.seeds(),
                spec.preset(),
                spec.maxCellsInFlight(),
                spec.seedsPer()),
            dataset)
        .forEach(c -> gridIds.add(c.id()));
    java.util.Set<String> baselineIds = new java.util.HashSet<>();
    SweepPlanner.baselineCells(spec, dataset).forEach(c -> baselineIds.add(c.id()));
    Map<String, Integer> perModel = new LinkedHashMap<>();
    Map<String, List<Cell>> byGroup = new LinkedHashMap<>();
    Map<String, String> roleOf = new LinkedHashMap<>();
    for (Cell c : cells) {
      perModel.merge(c.model(), 1, Integer::sum);
      String role =
          gridIds.contains(c.id()) ? GRID : baselineIds.contains(c.id()) ? BASELINE : TABLE3;
      String key = c.model() + "|" + c.adaptation() + "|" + c.sampling() + "|" + role;
      roleOf.put(key, role);
      byGroup.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
    }
    List<Group> groups = new ArrayList<>();
    byGroup.forEach(
        (key, g) -> {
          Cell first = g.get(0);
          List<Integer> sizes = g.stream().map(Cell::size).distinct().sorted().toList();
          int seeds = (int) g.stream().map(Cell::seed).distinct().count();
          groups.add(
              new Group(
                  first.model(),
                  first.adaptation(),
                  first.sampling(),
                  roleOf.get(key),
                  sizes,
                  seeds,
                  g.size()));
        });
    List<Epochs> epochs = new ArrayList<>();
    boolean finetunes = cells.stream().anyMatch(c -> Adaptations.FINETUNE.equals(c.adaptation()));
    if (finetunes) {
      for (SamplingSpec s : spec.samplings()) {
        for (int size : new java.util.TreeSet<>(s.sizes())) {
          int n = images(s.scheme(), size, dataset, perSequence);
          Integer fromPaper =
              !paper
                  ? null
                  : SamplingSpec.IMAGE.equals(s.scheme())
                      ? (size >= 16_384 ? Integer.valueOf(1) : PaperPreset.TABLE5.get(size))
                      : PaperPreset.TABLE6.get(size);
          int rule = FinetuneSchedule.epochs(Math.max(1, n), samples);
          Integer explicit = spec.finetuneEpochsFor(s.scheme(), size);
          epochs.add(
              new Epochs(
                  s.scheme(),
                  size,
                  n,
                  explicit != null ? explicit : rule,
                  rule,
                  explicit != null ? "spec" : "rule",
                  fromPaper));
        }
      }
    }
    List<Table3Cell> table3 = new ArrayList<>();
    for (String model : spec.fullPoolFinetune()) {
      Cell c = SweepPlanner.fullPoolCell(model, dataset);
      int n = Math.max(1, c.size());
      Integer explicit = spec.finetuneEpochsFor(c.sampling(), c.size());
      table3.add(
          new Table3Cell(
              c.id(),
              model,
              c.size(),
              explicit != null ? explicit : FinetuneSchedule.epochs(n, samples)));
    }
    // Embedding: every model with linear-probe cells embeds the training pool and the test splits
    // once.
    double embedSeconds = 0;
    int testImages = dataset.testImages().values().stream().mapToInt(Integer::intValue).sum();
    java.util.Set<String> probed = new java.util.LinkedHashSet<>();
    cells.stream()
        .filter(c -> Adaptations.LINEAR_PROBE.equals(c.adaptation()))
        .forEach(c -> probed.add(c.model()));
    Map<String, DeviceRates.Rate> rates = new LinkedHashMap<>();
    cells.forEach(c -> rates.computeIfAbsent(c.model(), m -> DeviceRates.of(m, device)));
    for (String m : probed) {
      embedSeconds +=
          (double) (dataset.trainPoolImages() + testImages) / rates.get(m).embedImagesPerSecond();
    }
    double finetuneSeconds = 0;
    double longestCell = 0;
    Map<String, Integer> finetuneCellsPerModel = new LinkedHashMap<>();
    for (Cell c : cells) {
      if (Adaptations.FINETUNE.equals(c.adaptation())) {
        DeviceRates.Rate rate = rates.get(c.model());
        int n = images(c.sampling(), c.size(), dataset, perSequence);
        Integer explicit = spec.finetuneEpochsFor(c.sampling(), c.size());
        int e = explicit != null ? explicit : FinetuneSchedule.epochs(Math.max(1, n), samples);
        double cellSeconds =
            (double) n * e / rate.trainImagesPerSecond() + testImages / rate.embedImagesPerSecond();
        finetuneSeconds += cellSeconds;
        longestCell = Math.max(longestCell, cellSeconds);
        finetuneCellsPerModel.merge(c.model(), 1, Integer::sum);
      }
    }
    int window = Math.max(1, spec.maxCellsInFlight());
    int slotsAtOnce =
        finetuneCellsPerModel.values().stream().mapToInt(k -> Math.min(k, window)).sum();
    int busy =
        longestCell <= 0
            ? 0
            : (int) Math.min(slotsAtOnce, Math.max(1, Math.floor(finetuneSeconds / longestCell)));
    int extractions = probed.size() * (1 + spec.testSplits().size());
    boolean allMeasured = rates.values().stream().allMatch(DeviceRates.Rate::measured);
    Estimate estimate =
        new Estimate(
            device,
            embedSeconds / 3600,
            finetuneSeconds / 3600,
            (embedSeconds + finetuneSeconds) / 3600,
            List.copyOf(rates.values()),
            longestCell / 3600,
            slotsAtOnce,
            busy,
            extractions,
            "ESTIMATE from the rates below ("
                + (allMeasured ? "all measured" : "some ASSUMED")
                + "); linear-probe SVMs run on CPU workers and are not counted");
    List<String> notes = new ArrayList<>();
    if (finetunes && samples != FinetuneSchedule.PAPER_SAMPLES) {
      notes.add(
          "preset "
              + preset.name()
              + ": finetune cells see at least "
              + samples
              + " samples, not the paper's "
              + FinetuneSchedule.PAPER_SAMPLES
              + ", at inputs of at most "
              + preset.finetuneMaxInput()
              + " px; the results say so");
    }
    if (spec.baseline() != null) {
      notes.add(
          "baseline "
              + spec.baseline()
              + ": trained (finetune) at every size, sampling and"
              + " seed of the grid; the report draws it as the baseline curve of the linear-probe"
              + " figures");
    }
    if (paper) {
      notes.add(
          "image sizes 2^8..2^21: assumed (the paper states the log2 axis and Table 5's"
              + " 256..16384+, not the list); Table 3 is separate whole-pool cells ("
              + dataset.trainPoolImages()
              + " images)");
      notes.add(
          String.format(
              Locale.ROOT,
              "sequence sets: k x %.1f images (Table 2: each class's"
                  + " images / sequences, summed over the 10 classes); the rule alone gives %s epochs at"
                  + " k = 1, 2, 4, Table 6 says 5, 3, 2: the preset sets finetune_epochs to Table 6",
              perSequence,
              ruleEpochs(epochs, List.of(1, 2, 4))));
    } else if (epochs.stream().anyMatch(e -> SamplingSpec.SEQUENCE.equals(e.sampling()))) {
      notes.add(
          String.format(
              Locale.ROOT,
              "sequence sets: k x %.0f images, %s",
              perSequence,
              dataset.trainPoolImages() > 0
                  ? "the pool's images per sequence x classes (an average)"
                  : "the dataset is not read here: 300 images per sequence assumed"));
    }
    return new Plan(
        spec.id(),
        preset.name(),
        samples,
        cells.size(),
        perModel,
        groups,
        epochs,
        spec.baseline(),
        table3,
        estimate,
        notes);
  }

  private static String ruleEpochs(List<Epochs> epochs, List<Integer> sizes) {
    List<String> out = new ArrayList<>();
    for (int k : sizes) {
      epochs.stream()
          .filter(e -> SamplingSpec.SEQUENCE.equals(e.sampling()) && e.size() == k)
          .findFirst()
          .ifPresent(e -> out.add(String.valueOf(e.rule())));
    }
    return String.join(", ", out);
  }

  static void print(Plan p, PrintStream out) {
    out.printf(Locale.ROOT, "sweep %s: %d cells%n", p.sweep(), p.cells());
    int width = Math.max(5, p.groups().stream().mapToInt(g -> g.model().length()).max().orElse(0));
    String row = "%-" + width + "s %-13s %-9s %-17s %6s %6s  %s%n";
    out.printf(
        Locale.ROOT,
        "%n" + row,
        "model",
        "adaptation",
        "sampling",
        "role",
        "seeds",
        "cells",
        "sizes");
    for (Group g : p.groups()) {
      out.printf(
          Locale.ROOT,
          row,
          g.model(),
          g.adaptation(),
          g.sampling(),
          g.role(),
          g.seeds(),
          g.cells(),
          compact(g.sizes()));
    }
    Map<String, Integer> perAdaptation = new TreeMap<>();
    p.groups()
        .forEach(
            g ->
                perAdaptation.merge(
                    g.adaptation() + " x " + g.sampling(), g.cells(), Integer::sum));
    out.println();
    perAdaptation.forEach((k, v) -> out.printf(Locale.ROOT, "  %-28s %6d cells%n", k, v));
    out.printf(Locale.ROOT, "  %-28s %6d cells%n", "total", p.cells());
    if (!p.finetuneEpochs().isEmpty()) {
      out.printf(
          Locale.ROOT,
          "%nfinetune epochs (preset %s): the spec's finetune_epochs, else"
              + " max(1, ceil(%d / images)):%n",
          p.preset(),
          p.finetuneSamples());
      out.printf(
          Locale.ROOT,
          "  %-9s %8s %10s %7s %5s %5s %10s%n",
          "sampling",
          "size",
          "images",
          "epochs",
          "from",
          "rule",
          "paper");
      for (Epochs e : p.finetuneEpochs()) {
        String paper =
            e.paper() == null
                ? ""
                : e.paper() + (e.paper().intValue() == e.epochs() ? " ok" : " DIFFERS");
        out.printf(
            Locale.ROOT,
            "  %-9s %8d %10d %7d %5s %5d %10s%n",
            e.sampling(),
            e.size(),
            e.images(),
            e.epochs(),
            e.from(),
            e.rule(),
            paper);
      }
    }
    if (!p.table3().isEmpty()) {
      out.printf(Locale.ROOT, "%nTable 3 (finetuned on the whole training pool):%n");
      for (Table3Cell c : p.table3()) {
        out.printf(
            Locale.ROOT,
            "  %-18s %10d images %3d epoch(s)  %s%n",
            c.model(),
            c.images(),
            c.epochs(),
            c.cell());
      }
    }
    Estimate est = p.estimate();
    out.printf(
        Locale.ROOT,
        "%n%s hours (estimate): %.1f embedding + %.1f finetuning = %.1f%n  %s%n",
        est.device(),
        est.embeddingGpuHours(),
        est.finetuneGpuHours(),
        est.totalGpuHours(),
        est.source());
    out.printf(Locale.ROOT, "  %-18s %8s %8s  %s%n", "rates (img/s)", "embed", "train", "source");
    est.rates().forEach(r -> out.println("  " + r.describe()));
    if (est.finetuneSlotsAtOnce() > 0) {
      out.printf(
          Locale.ROOT,
          "workers: finetuning runs up to %d cells at once (max_cells_in_flight per model); the"
              + " longest cell takes %.1f h, so about %d device slots stay busy (%d finetune device"
              + " hours / %.1f h) and more only wait for it; one slot per GPU (worker --gpus)%n",
          est.finetuneSlotsAtOnce(),
          est.longestCellHours(),
          est.busySlots(),
          Math.round(est.finetuneGpuHours()),
          est.longestCellHours());
    }
    if (est.extractionsAtOnce() > 0) {
      out.printf(
          Locale.ROOT,
          "workers: embedding runs up to %d extraction activities at once (a model's training pool"
              + " and each test split)%n",
          est.extractionsAtOnce());
    }
    p.notes().forEach(n -> out.println("note: " + n));
  }

  private static String compact(List<Integer> sizes) {
    if (sizes.size() <= 6) {
      return sizes.toString();
    }
    return "["
        + sizes.get(0)
        + ", "
        + sizes.get(1)
        + ", … "
        + sizes.get(sizes.size() - 1)
        + "] ("
        + sizes.size()
        + ")";
  }
}
