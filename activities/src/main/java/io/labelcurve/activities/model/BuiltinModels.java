package io.labelcurve.activities.model;

import java.util.List;

/**
 * Encoders that need no file: ResNets of DJL blocks with weights drawn from a fixed seed.
 *
 * <p>{@code random-resnet18} is the "random features" baseline: an untrained ResNet-18 (basic
 * residual units of DJL's {@code ResNetV1}, 11.2 M parameters as torchvision's), weights
 * Kaiming-normal (fan-in) from {@link java.util.Random} seeded per parameter from the model's seed,
 * batch norm at its identity statistics, the globally pooled 512-d feature. It shows how much of a
 * pretrained encoder's accuracy comes from its training rather than from the probe. Its
 * normalisation is mean 0.5, std 0.25 on every channel: it centres the [0, 1] grey levels, there
 * being no training data whose statistics would be the right ones.
 *
 * <p>Another input size or seed is another catalog folder with {@code "format": "builtin"}, e.g.
 * {@code {"id": "random-resnet18-s7", "format": "builtin", "architecture": "resnet18", "seed": 7,
 * "input": {"channels": 3, "size": 112, "resize": 128}, "normalization": {"mean": 0.5, "std":
 * 0.25}, "embedding_dim": 512}}.
 */
public final class BuiltinModels {
  public static final String RANDOM_RESNET18 = "random-resnet18";
  public static final String RESNET50_SCRATCH = "resnet50-scratch";

  /**
   * The learning rate of {@code resnet50-scratch}: AdamW at 1e-3. The paper does not give its
   * ResNet-50's optimiser (Table 4 lists only the foundation models); 1e-3 is Adam's own default
   * (Kingma and Ba) and the usual rate for training a ResNet from scratch with Adam(W) and batch
   * norm — the foundation models' 5e-6 to 2e-4 are finetuning rates, too small to move random
   * weights far in 16384 samples. The same AdamW (betas 0.9/0.999, eps 1e-8, no weight decay,
   * linear decay, no warm-up) as the foundation models keeps the comparison to one changed knob.
   */
  public static final double RESNET50_SCRATCH_LR = 1e-3;

  public static final List<String> ARCHITECTURES = List.of("resnet18", "resnet34", "resnet50");
  public static final long DEFAULT_SEED = 42L;

  private BuiltinModels() {}

  /** The pooled feature's size of an architecture, or -1 when it is not built in. */
  public static int dimOf(String architecture) {
    if (architecture == null) {
      return -1;
    }
    return switch (architecture) {
      case "resnet18", "resnet34" -> 512;
      case "resnet50" -> 2048;
      default -> -1;
    };
  }

  /** ResNetV1's {@code numLayers} of an architecture. */
  public static int layersOf(String architecture) {
    return Integer.parseInt(architecture.substring("resnet".length()));
  }

  /** The seed a built-in spec uses. */
  public static long seedOf(ModelSpec spec) {
    return spec.seed() == null ? DEFAULT_SEED : spec.seed();
  }

  /** The built-in models, in catalog order. */
  public static List<ModelSpec> all() {
    return List.of(randomResnet18(), resnet50Scratch());
  }

  /**
   * The paper's task-specific baseline (§3.2.1): a ResNet-50 (torchvision's layout from DJL blocks,
   * see {@code ResNets}) trained from scratch, supervised, by a finetune cell — the same cells,
   * subsets and evaluation as the foundation models. As an encoder (a probe cell) it is an
   * untrained ResNet-50, random features of 2048 dimensions. Learning rate: {@link
   * #RESNET50_SCRATCH_LR}.
   */
  public static ModelSpec resnet50Scratch() {
    return builtin(
        RESNET50_SCRATCH,
        "ResNet-50 (torchvision's layout, from DJL blocks) from a seeded random init, trained from"
            + " scratch by finetune cells: the paper's task-specific supervised baseline. 2048-d"
            + " feature.",
        2048,
        23.5,
        RESNET50_SCRATCH_LR,
        "built in: io.labelcurve.activities.embed.ResNets.resnet50 (torchvision v1.5 layout), seed "
            + DEFAULT_SEED
            + "; finetune lr "
            + RESNET50_SCRATCH_LR
            + " (AdamW, see BuiltinModels)",
        "resnet50");
  }

  public static ModelSpec randomResnet18() {
    return builtin(
        RANDOM_RESNET18,
        "Untrained ResNet-18 (DJL ResNetV1 blocks), weights from a fixed seed: the random-features"
            + " baseline. 512-d globally pooled feature.",
        512,
        11.18,
        1.0e-3,
        "built in: ai.djl.basicmodelzoo.cv.classification.ResNetV1, numLayers 18, seed "
            + DEFAULT_SEED,
        "resnet18");
  }

  /**
   * A DJL-built network from {@link #DEFAULT_SEED}: 224-pixel crops of 256-pixel images, inputs
   * scaled to about [-2, 2], no weights file.
   */
  private static ModelSpec builtin(
      String id,
      String description,
      int embeddingDim,
      double paramsMillions,
      double finetuneLr,
      String provenance,
      String architecture) {
    return new ModelSpec(
        id,
        description,
        ModelSpec.BUILTIN,
        null,
        null,
        input(),
        normalization(),
        embeddingDim,
        paramsMillions,
        finetuneLr,
        "Apache-2.0 (DJL model-zoo architecture; no trained weights)",
        provenance,
        architecture,
        DEFAULT_SEED,
        "<built-in>",
        null);
  }

  /** The built-in networks' input: 3 channels, 224-pixel crops of 256-pixel images. */
  public static ModelSpec.Input input() {
    return new ModelSpec.Input(3, 224, 256);
  }

  /** The built-in networks' normalization: mean 0.5, std 0.25, so inputs are about [-2, 2]. */
  public static ModelSpec.Normalization normalization() {
    return new ModelSpec.Normalization(
        new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f});
  }
}
