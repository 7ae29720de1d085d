package io.labelcurve.starter;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Images per second of each paper model on a device, for {@code sweep plan}'s device-hour estimate,
 * each with where it comes from. Only measured numbers are marked measured; what was not measured
 * is marked ASSUMED and says from what. labelcurve itself has not run on a GPU yet (no GPU machine
 * was lent while it was written): the GPU rates are PyTorch's own on one H100.
 */
final class DeviceRates {
  /** The devices the plan knows rates for. */
  static final List<String> DEVICES = List.of("h100", "cpu");

  static final String DEFAULT_DEVICE = "h100";

  /**
   * One model's rates on one device.
   *
   * @param embedImagesPerSecond images embedded per second (inference, the preset's batch)
   * @param trainImagesPerSecond images a finetune step processes per second (forward, backward,
   *     update at the preset's batch)
   * @param measured whether both numbers were measured (false: at least one is assumed)
   * @param source where the numbers come from
   */
  record Rate(
      String model,
      String device,
      double embedImagesPerSecond,
      double trainImagesPerSecond,
      boolean measured,
      String source) {
    String describe() {
      return String.format(
          Locale.ROOT,
          "%-18s %8.1f %8.1f  %s%s",
          model,
          embedImagesPerSecond,
          trainImagesPerSecond,
          measured ? "" : "ASSUMED: ",
          source);
    }
  }

  private static final String H100 =
      "PyTorch 2.x eager on one H100 (bf16; embedding at batch 256: 5,000-9,000 img/s,"
          + " finetuning at the paper's batch 8: 190-320 img/s; issue #15), the low end; not"
          + " labelcurve's own rate";

  private static final String CPU_EMBED_VIT =
      "labelcurve on the 2-core build machine, 224 px, batch 8 (docs/GPU.md, export check)";

  private static final String CPU_TRAIN_VIT =
      "; training: FinetuneStepBench at cpu-small's 96 px, batch 16 (docs/GPU.md)";

  /** The ViT-B/16 encoders and ResNet-50 on an H100: the measured range covers both. */
  private static Rate h100(String model) {
    return new Rate(model, "h100", 5000, 190, true, H100);
  }

  private static final Map<String, Rate> H100_RATES =
      Map.of(
          "vitmae", h100("vitmae"),
          "dinov2", h100("dinov2"),
          "clip", h100("clip"),
          "echoclip", h100("echoclip"),
          "resnet50-scratch", h100("resnet50-scratch"),
          "medimageinsight",
              new Rate(
                  "medimageinsight",
                  "h100",
                  5000.0 / 3,
                  190.0 / 3,
                  false,
                  "a third of the ViT-B rates (DaViT, 360 M parameters against 86 M; not"
                      + " measured)"));

  private static final Map<String, Rate> CPU_RATES =
      Map.of(
          "dinov2",
              new Rate(
                  "dinov2", "cpu", 1000 / 320.0, 16 / 5.3, true, CPU_EMBED_VIT + CPU_TRAIN_VIT),
          "vitmae",
              new Rate(
                  "vitmae", "cpu", 1000 / 245.0, 16 / 5.8, true, CPU_EMBED_VIT + CPU_TRAIN_VIT),
          "clip",
              new Rate("clip", "cpu", 1000 / 300.0, 16 / 3.1, true, CPU_EMBED_VIT + CPU_TRAIN_VIT),
          "echoclip",
              new Rate(
                  "echoclip", "cpu", 1000 / 310.0, 16 / 5.0, true, CPU_EMBED_VIT + CPU_TRAIN_VIT),
          "mobilenetv2-imagenet",
              new Rate(
                  "mobilenetv2-imagenet",
                  "cpu",
                  13.8,
                  16 / 5.5,
                  true,
                  "labelcurve bench embed, 224 px, 2 cores, load 2.1 (docs/BENCHMARKS.md); training:"
                      + " a cpu-small step of 16 images took about 5.5 s under load"
                      + " (WorkerRuntime's drain note)"),
          "resnet50-scratch",
              new Rate(
                  "resnet50-scratch",
                  "cpu",
                  3.9,
                  3.9 / 3,
                  false,
                  "embedding: labelcurve bench embed, random ResNet-50, 224 px, 2 cores, load 2.4"
                      + " (docs/BENCHMARKS.md); training a third of it (not measured)"));

  private DeviceRates() {}

  /**
   * The rates of {@code model} on {@code device}; a model without its own numbers gets the ViT-B
   * rates of that device (on the CPU: dinov2's), marked ASSUMED.
   */
  static Rate of(String model, String device) {
    Map<String, Rate> table = rates(device);
    Rate r = table.get(model);
    if (r != null) {
      return r;
    }
    Rate vit = table.get("dinov2");
    return new Rate(
        model,
        device,
        vit.embedImagesPerSecond(),
        vit.trainImagesPerSecond(),
        false,
        "no rate for this model: dinov2's on " + device + " (" + vit.source() + ")");
  }

  private static Map<String, Rate> rates(String device) {
    return switch (device) {
      case "h100" -> H100_RATES;
      case "cpu" -> CPU_RATES;
      default ->
          throw new UserError("--device: '" + device + "' has no rates; use one of " + DEVICES);
    };
  }
}
