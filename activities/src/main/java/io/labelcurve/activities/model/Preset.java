package io.labelcurve.activities.model;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.workflows.plan.FinetuneSchedule;
import java.util.List;

/**
 * A compute preset: how large the encoders' inputs are and how many images go in one batch. The
 * paper's protocol is {@link #PAPER}; small CPU presets use smaller inputs so that a study runs on
 * a laptop in minutes. A preset's input size is part of the preprocessing, so embeddings of two
 * presets never share a cache entry; the preset is recorded with every result.
 *
 * <p>Finetuning has its own three settings: the paper's protocol on {@link #PAPER} (the model's own
 * input, 16384 samples seen at the least, batch 8 — the HF Trainer's default {@code
 * per_device_train_batch_size}, the paper having kept "largely the default parameters"); {@link
 * #CPU_SMALL} trains on inputs of at most 96 pixels and sees at least 1024 samples, so that a
 * finetune sweep runs on two cores in minutes. Both are recorded with every finetune result.
 *
 * @param name the name a spec uses
 * @param maxInput inputs larger than this are shrunk to it (0: the model's own size)
 * @param batchSize images per encoder batch
 * @param finetuneSamples finetuning's minimum samples seen: epochs = max(1, ceil(this / n))
 * @param finetuneMaxInput finetuning's inputs larger than this are shrunk to it (0: own size)
 * @param finetuneBatchSize images per finetuning step
 */
public record Preset(
    String name,
    int maxInput,
    int batchSize,
    int finetuneSamples,
    int finetuneMaxInput,
    int finetuneBatchSize) {
  /** The paper's minimum number of samples seen when finetuning (§4.4). */
  public static final int PAPER_FINETUNE_SAMPLES = FinetuneSchedule.PAPER_SAMPLES;

  /** The paper: 256×256, centre crop 224 (the model's own input), batches for a GPU. */
  public static final Preset PAPER = new Preset("paper", 0, 64, PAPER_FINETUNE_SAMPLES, 0, 8);

  /**
   * Two CPU cores in minutes: inputs of at most 160 pixels (crop 160 of 183), small batches;
   * finetuning on inputs of at most 96 pixels, at least 1024 samples seen, batches of 16.
   */
  public static final Preset CPU_SMALL = new Preset("cpu-small", 160, 16, 1024, 96, 16);

  public static final List<Preset> ALL = List.of(PAPER, CPU_SMALL);

  /** A preset whose finetuning settings are the paper's. */
  public Preset(String name, int maxInput, int batchSize) {
    this(name, maxInput, batchSize, PAPER_FINETUNE_SAMPLES, maxInput, 8);
  }

  /** Whether finetuning here sees fewer samples than the paper's 16384. */
  public boolean capsFinetuneSamples() {
    return finetuneSamples < PAPER_FINETUNE_SAMPLES;
  }

  /** The model as this preset finetunes it (same crop ratio, at most {@link #finetuneMaxInput}). */
  public ModelSpec applyFinetune(ModelSpec spec) {
    return shrink(spec, finetuneMaxInput);
  }

  public static Preset named(String name) {
    return ALL.stream()
        .filter(p -> p.name.equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new BadInputException(
                    "preset: '"
                        + name
                        + "' is not a preset; use one of "
                        + ALL.stream().map(Preset::name).toList()));
  }

  /**
   * The model as this preset runs it: the same centre-crop ratio (224 of 256) at a smaller size.
   */
  public ModelSpec apply(ModelSpec spec) {
    return shrink(spec, maxInput);
  }

  private static ModelSpec shrink(ModelSpec spec, int max) {
    if (max == 0 || spec.input().size() <= max) {
      return spec;
    }
    int resize = Math.round(max * (float) spec.input().resize() / spec.input().size());
    return spec.withInput(max, resize);
  }
}
