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
 * What a sweep would run, computed without connecting to anything: its cells per model,
 * adaptation and sampling, the epochs of every finetune cell and an <b>estimate</b> of its GPU
 * hours.
 */
final class SweepPlan {
  /**
   * Images per sampled sequence (all frames with their augmented variants). The paper says "about
   * 300" (§4.6); with exactly 300, one sequence per class (3,000 images) would get
   * ceil(16384/3000) = 6 epochs, but Table 6 says 5, which needs at least 3,277 images, i.e. 328
   * per sequence; any value from 328 to 409 reproduces all of Table 6. We use 330.
   */
  static final int IMAGES_PER_SEQUENCE = 330;

  /**
   * Throughput per model on one GPU, images per second, for the estimate. <b>Not measured in
   * this repository</b> (no GPU run of the paper's encoders yet): rough figures for fp16 at 224 px
   * on an RTX 4000 Ada-class card, the paper's hardware; ViT-B/16 encoders alike, MedImageInsight
   * (DaViT, 360 M parameters) about 3× slower, ResNet50 about 2× faster. Training (forward +
   * backward + optimiser) taken as a third of inference. Replace with measured rates when there.
   */
  static final Map<String, Double> INFER_IMAGES_PER_S = Map.of(
      "vitmae", 1000.0, "dinov2", 1000.0, "clip", 1000.0, "echoclip", 1000.0,
      "medimageinsight", 330.0, "resnet50", 2000.0);
  static final double DEFAULT_INFER_IMAGES_PER_S = 1000.0;
  static final double TRAIN_FRACTION_OF_INFER = 1.0 / 3;

  record Group(String model, String adaptation, String sampling, List<Integer> sizes, int seeds,
      int cells) {}

  record Epochs(String sampling, int size, int images, int epochs, Integer paper) {}

  record Estimate(double embeddingGpuHours, double finetuneGpuHours, double totalGpuHours,
      String source) {}

  record Plan(String sweep, String preset, int finetuneSamples, int cells,
      Map<String, Integer> cellsPerModel, List<Group> groups, List<Epochs> finetuneEpochs,
      Estimate estimate, List<String> notes) {}

  private SweepPlan() {}

  /**
   * Training images of a cell: its size (image) or sequences per class × classes × 330; size 0
   * (all) is the whole training pool.
   */
  static int images(String sampling, int size, DatasetSummary dataset) {
    if (size <= 0) {
      return dataset.trainPoolImages();
    }
    return SamplingSpec.IMAGE.equals(sampling)
        ? size
        : size * Math.max(1, dataset.classes().size()) * IMAGES_PER_SEQUENCE;
  }

  static Plan of(SweepSpec spec, DatasetSummary dataset, boolean paper) {
    // A preset changes how many samples a finetune cell sees (cpu-small: 1024), so its epochs.
    Preset preset = spec.preset() == null ? Preset.PAPER : Preset.named(spec.preset());
    int samples = preset.finetuneSamples();
    List<Cell> cells = SweepPlanner.plan(spec, dataset);
    Map<String, Integer> perModel = new LinkedHashMap<>();
    Map<String, List<Cell>> byGroup = new LinkedHashMap<>();
    for (Cell c : cells) {
      perModel.merge(c.model(), 1, Integer::sum);
      byGroup.computeIfAbsent(c.model() + "|" + c.adaptation() + "|" + c.sampling(),
          k -> new ArrayList<>()).add(c);
    }
    List<Group> groups = new ArrayList<>();
    for (List<Cell> g : byGroup.values()) {
      Cell first = g.get(0);
      List<Integer> sizes = g.stream().map(Cell::size).distinct().sorted().toList();
      groups.add(new Group(first.model(), first.adaptation(), first.sampling(), sizes,
          spec.seedsFor(first.adaptation(), first.sampling()), g.size()));
    }
    List<Epochs> epochs = new ArrayList<>();
    if (spec.adaptations().contains(Adaptations.FINETUNE)) {
      for (SamplingSpec s : spec.samplings()) {
        for (int size : new java.util.TreeSet<>(s.sizes())) {
          int n = images(s.scheme(), size, dataset);
          Integer fromPaper = !paper ? null : SamplingSpec.IMAGE.equals(s.scheme())
              ? (size >= 16_384 ? Integer.valueOf(1) : PaperPreset.TABLE5.get(size))
              : PaperPreset.TABLE6.get(size);
          epochs.add(new Epochs(s.scheme(), size, n,
              FinetuneSchedule.epochs(Math.max(1, n), samples), fromPaper));
        }
      }
    }
    // Embedding: every model embeds the training pool and the test splits once.
    double embedSeconds = 0;
    int testImages = dataset.testImages().values().stream().mapToInt(Integer::intValue).sum();
    for (String m : spec.models()) {
      embedSeconds += (double) (dataset.trainPoolImages() + testImages) / inferRate(m);
    }
    double finetuneSeconds = 0;
    for (Cell c : cells) {
      if (Adaptations.FINETUNE.equals(c.adaptation())) {
        int n = images(c.sampling(), c.size(), dataset);
        finetuneSeconds += (double) n * FinetuneSchedule.epochs(Math.max(1, n), samples)
            / (inferRate(c.model()) * TRAIN_FRACTION_OF_INFER)
            + testImages / inferRate(c.model());
      }
    }
    Estimate estimate = new Estimate(embedSeconds / 3600, finetuneSeconds / 3600,
        (embedSeconds + finetuneSeconds) / 3600,
        "ESTIMATE from assumed rates (SweepPlan.INFER_IMAGES_PER_S, not measured here); linear-probe"
            + " SVMs run on CPU and are not counted");
    List<String> notes = new ArrayList<>();
    if (spec.adaptations().contains(Adaptations.FINETUNE) && samples != FinetuneSchedule.PAPER_SAMPLES) {
      notes.add("preset " + preset.name() + ": finetune cells see at least " + samples
          + " samples, not the paper's " + FinetuneSchedule.PAPER_SAMPLES + ", at inputs of at most "
          + preset.finetuneMaxInput() + " px; the results say so");
    }
    if (paper) {
      notes.add("image sizes 2^8..2^21: assumed (the paper states the log2 axis and Table 5's"
          + " 256..16384+, not the list)");
      notes.add("sequence sets: k x 10 classes x " + IMAGES_PER_SEQUENCE + " images (paper: 'about"
          + " 300'; 328..409 reproduce Table 6, 300 would give 6 epochs at k=1)");
    }
    return new Plan(spec.id(), preset.name(), samples, cells.size(), perModel, groups, epochs,
        estimate, notes);
  }

  static double inferRate(String model) {
    return INFER_IMAGES_PER_S.getOrDefault(model, DEFAULT_INFER_IMAGES_PER_S);
  }

  static void print(Plan p, PrintStream out) {
    out.printf(Locale.ROOT, "sweep %s: %d cells%n", p.sweep(), p.cells());
    int width = Math.max(5, p.groups().stream().mapToInt(g -> g.model().length()).max().orElse(0));
    String row = "%-" + width + "s %-13s %-9s %6s %6s  %s%n";
    out.printf(Locale.ROOT, "%n" + row, "model", "adaptation", "sampling", "seeds", "cells",
        "sizes");
    for (Group g : p.groups()) {
      out.printf(Locale.ROOT, row, g.model(), g.adaptation(), g.sampling(), g.seeds(), g.cells(),
          compact(g.sizes()));
    }
    Map<String, Integer> perAdaptation = new TreeMap<>();
    p.groups().forEach(g -> perAdaptation.merge(g.adaptation() + " x " + g.sampling(), g.cells(), Integer::sum));
    out.println();
    perAdaptation.forEach((k, v) -> out.printf(Locale.ROOT, "  %-28s %6d cells%n", k, v));
    out.printf(Locale.ROOT, "  %-28s %6d cells%n", "total", p.cells());
    if (!p.finetuneEpochs().isEmpty()) {
      out.printf(Locale.ROOT, "%nfinetune epochs (preset %s), max(1, ceil(%d / images)):%n",
          p.preset(), p.finetuneSamples());
      out.printf(Locale.ROOT, "  %-9s %8s %10s %7s %7s%n", "sampling", "size", "images", "epochs", "paper");
      for (Epochs e : p.finetuneEpochs()) {
        String paper = e.paper() == null ? "" : e.paper() + (e.paper() == e.epochs() ? " ok" : " DIFFERS");
        out.printf(Locale.ROOT, "  %-9s %8d %10d %7d %7s%n", e.sampling(), e.size(), e.images(),
            e.epochs(), paper);
      }
    }
    Estimate est = p.estimate();
    out.printf(Locale.ROOT, "%nGPU hours (estimate): %.1f embedding + %.1f finetuning = %.1f%n  %s%n",
        est.embeddingGpuHours(), est.finetuneGpuHours(), est.totalGpuHours(), est.source());
    p.notes().forEach(n -> out.println("note: " + n));
  }

  private static String compact(List<Integer> sizes) {
    if (sizes.size() <= 6) {
      return sizes.toString();
    }
    return "[" + sizes.get(0) + ", " + sizes.get(1) + ", … " + sizes.get(sizes.size() - 1) + "] ("
        + sizes.size() + ")";
  }
}
