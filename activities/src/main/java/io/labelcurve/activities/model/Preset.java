package io.labelcurve.activities.model;

import io.labelcurve.activities.BadInputException;
import java.util.List;

/**
 * A compute preset: how large the encoders' inputs are and how many images go in one batch. The
 * paper's protocol is {@link #PAPER}; small CPU presets use smaller inputs so that a study runs on
 * a laptop in minutes. A preset's input size is part of the preprocessing, so embeddings of two
 * presets never share a cache entry; the preset is recorded with every result.
 *
 * @param name the name a spec uses
 * @param maxInput inputs larger than this are shrunk to it (0: the model's own size)
 * @param batchSize images per encoder batch
 */
public record Preset(String name, int maxInput, int batchSize) {
  /** The paper: 256×256, centre crop 224 (the model's own input), batches for a GPU. */
  public static final Preset PAPER = new Preset("paper", 0, 64);
  /** Two CPU cores in minutes: inputs of at most 160 pixels (crop 160 of 183), small batches. */
  public static final Preset CPU_SMALL = new Preset("cpu-small", 160, 16);

  public static final List<Preset> ALL = List.of(PAPER, CPU_SMALL);

  public static Preset named(String name) {
    return ALL.stream().filter(p -> p.name.equals(name)).findFirst()
        .orElseThrow(() -> new BadInputException("preset: '" + name + "' is not a preset; use one of "
            + ALL.stream().map(Preset::name).toList()));
  }

  /** The model as this preset runs it: the same centre-crop ratio (224 of 256) at a smaller size. */
  public ModelSpec apply(ModelSpec spec) {
    if (maxInput == 0 || spec.input().size() <= maxInput) {
      return spec;
    }
    int resize = Math.round(maxInput * (float) spec.input().resize() / spec.input().size());
    return spec.withInput(maxInput, resize);
  }
}
