package io.labelcurve.workflows.spec;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a sweep computes: the grid model × adaptation × sampling × size × seed over one dataset.
 *
 * <p>A spec holds no connection settings or credentials: those come from the worker's and the CLI's
 * environment. It is parsed and checked outside the workflow (it is user input); the workflow
 * receives it as this record.
 *
 * @param id sweep id, also the workflow id and the folder {@code sweeps/{id}/} in the bucket
 * @param dataset URI of the dataset's {@code manifest.csv} in the bucket ({@code
 *     s3://bucket/datasets/…})
 * @param trainSplit the manifest split whose images (with their augmented variants) form the
 *     training pool
 * @param testSplits the manifest splits every cell is evaluated on
 * @param models model ids of the catalog
 * @param adaptations {@code linear-probe} (and, later, {@code finetune})
 * @param samplings one entry per sampling scheme with its sizes
 * @param seeds number of seeds per (sampling, size); seed i draws subsets with seed {@code i}
 * @param preset name of the compute preset (input size, batch size), e.g. {@code cpu-small}
 * @param maxCellsInFlight bound on the cells of one model that run at the same time
 * @param seedsPer seeds of one (adaptation, sampling), keyed {@code adaptation/sampling}, e.g.
 *     {@code linear-probe/sequence: 20}; a pair not named uses {@link #seeds}. Empty in specs
 *     written before it existed, which keeps them valid and planning the same cells. The paper used
 *     20 seeds for linear probing with sequence sampling and 1 elsewhere.
 * @param baseline a supervised model trained from scratch (e.g. {@code resnet50-scratch}) that is
 *     finetuned at every sampling, size and seed of the linear-probe grid (and of the finetune grid
 *     when {@code finetune} is an adaptation): the paper's task-specific curve in its linear-probe
 *     figures. Null when none; it need not be one of {@link #models}.
 * @param fullPoolFinetune models finetuned once on the whole training pool (image sampling, all
 *     images, seed 0): the paper's Table 3. Empty when none; they need not be in {@link #models}.
 * @param finetuneEpochs epochs of the finetune cells of one sampling and size, keyed {@code
 *     sampling/size} (size as in the spec: images, or sequences per class), instead of the rule
 *     max(1, ceil(samples / n)); the paper's preset gives Table 6 here, which the rule does not
 *     reproduce with Table 2's sequence sizes. Empty: the rule everywhere.
 * @param augmentation the training frames' augmented variants; null (specs written before it
 *     existed, or not named) for {@link AugmentationSpec#DEFAULT}
 * @param voteFrames frames per test sequence that vote at sequence level, evenly spaced; null or 0
 *     for all of them (the paper's test sets hold five frames per sequence)
 */
public record SweepSpec(
    String id,
    String dataset,
    String trainSplit,
    List<String> testSplits,
    List<String> models,
    List<String> adaptations,
    List<SamplingSpec> samplings,
    int seeds,
    String preset,
    int maxCellsInFlight,
    Map<String, Integer> seedsPer,
    String baseline,
    List<String> fullPoolFinetune,
    Map<String, Integer> finetuneEpochs,
    AugmentationSpec augmentation,
    Integer voteFrames) {

  public SweepSpec {
    testSplits = List.copyOf(testSplits);
    models = List.copyOf(models);
    adaptations = List.copyOf(adaptations);
    samplings = List.copyOf(samplings);
    // Sorted, so that the spec serialises the same way every time (it travels in history).
    seedsPer =
        seedsPer == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new TreeMap<>(seedsPer));
    baseline = baseline == null || baseline.isBlank() ? null : baseline;
    fullPoolFinetune = fullPoolFinetune == null ? List.of() : List.copyOf(fullPoolFinetune);
    finetuneEpochs =
        finetuneEpochs == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new TreeMap<>(finetuneEpochs));
  }

  /**
   * A spec without a baseline, whole-pool cells or explicit epochs, with the default augmentation
   * and every frame voting, as before those fields.
   */
  public SweepSpec(
      String id,
      String dataset,
      String trainSplit,
      List<String> testSplits,
      List<String> models,
      List<String> adaptations,
      List<SamplingSpec> samplings,
      int seeds,
      String preset,
      int maxCellsInFlight,
      Map<String, Integer> seedsPer) {
    this(
        id,
        dataset,
        trainSplit,
        testSplits,
        models,
        adaptations,
        samplings,
        seeds,
        preset,
        maxCellsInFlight,
        seedsPer,
        null,
        List.of(),
        Map.of(),
        null,
        null);
  }

  /** A spec with the paper's grid fields, the default augmentation and every frame voting. */
  public SweepSpec(
      String id,
      String dataset,
      String trainSplit,
      List<String> testSplits,
      List<String> models,
      List<String> adaptations,
      List<SamplingSpec> samplings,
      int seeds,
      String preset,
      int maxCellsInFlight,
      Map<String, Integer> seedsPer,
      String baseline,
      List<String> fullPoolFinetune,
      Map<String, Integer> finetuneEpochs) {
    this(
        id,
        dataset,
        trainSplit,
        testSplits,
        models,
        adaptations,
        samplings,
        seeds,
        preset,
        maxCellsInFlight,
        seedsPer,
        baseline,
        fullPoolFinetune,
        finetuneEpochs,
        null,
        null);
  }

  /** The augmentation the cells train with ({@link AugmentationSpec#DEFAULT} when not named). */
  public AugmentationSpec augmentationOrDefault() {
    return AugmentationSpec.orDefault(augmentation);
  }

  /** Frames per test sequence that vote; 0 for all. */
  public int voteFramesOrAll() {
    return voteFrames == null ? 0 : voteFrames;
  }

  /** A spec with one seed count for every (adaptation, sampling), as before {@code seeds_per}. */
  public SweepSpec(
      String id,
      String dataset,
      String trainSplit,
      List<String> testSplits,
      List<String> models,
      List<String> adaptations,
      List<SamplingSpec> samplings,
      int seeds,
      String preset,
      int maxCellsInFlight) {
    this(
        id,
        dataset,
        trainSplit,
        testSplits,
        models,
        adaptations,
        samplings,
        seeds,
        preset,
        maxCellsInFlight,
        Map.of(),
        null,
        List.of(),
        Map.of());
  }

  /** The key of {@link #seedsPer} for one adaptation and sampling scheme. */
  public static String seedsKey(String adaptation, String sampling) {
    return adaptation + "/" + sampling;
  }

  /** The key of {@link #finetuneEpochs} for one sampling scheme and spec size. */
  public static String epochsKey(String sampling, int size) {
    return sampling + "/" + size;
  }

  /** The spec's explicit epochs of finetune cells of this sampling and size, or null (the rule). */
  public Integer finetuneEpochsFor(String sampling, int size) {
    return finetuneEpochs.get(epochsKey(sampling, size));
  }

  /**
   * Every model that has cells: {@link #models}, then the {@link #baseline}, then the {@link
   * #fullPoolFinetune} models, each once, in that order.
   */
  public List<String> allModels() {
    java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(models);
    if (baseline != null) {
      all.add(baseline);
    }
    all.addAll(fullPoolFinetune);
    return List.copyOf(all);
  }

  /** Seeds of the cells of one adaptation and sampling scheme. */
  public int seedsFor(String adaptation, String sampling) {
    return seedsPer.getOrDefault(seedsKey(adaptation, sampling), seeds);
  }

  /** The same spec under another id (the CLI's {@code --id}). */
  public SweepSpec withId(String newId) {
    return withIdAndDataset(newId, dataset);
  }

  /** The same spec reading another dataset URI (after a local manifest was uploaded). */
  public SweepSpec withDataset(String newDataset) {
    return withIdAndDataset(id, newDataset);
  }

  private SweepSpec withIdAndDataset(String newId, String newDataset) {
    return new SweepSpec(
        newId,
        newDataset,
        trainSplit,
        testSplits,
        models,
        adaptations,
        samplings,
        seeds,
        preset,
        maxCellsInFlight,
        seedsPer,
        baseline,
        fullPoolFinetune,
        finetuneEpochs,
        augmentation,
        voteFrames);
  }
}
