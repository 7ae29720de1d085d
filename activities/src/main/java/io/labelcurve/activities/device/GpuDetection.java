package io.labelcurve.activities.device;

import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import io.labelcurve.activities.torch.TorchRuntime;
import java.nio.file.Path;

/**
 * What libtorch in this process says about GPUs: whether it is a CUDA build and how many devices it
 * sees. The two questions a worker without a GPU must answer before anyone can fix it: the CPU
 * build loaded (the image's {@code PYTORCH_LIBRARY_PATH} / {@code PYTORCH_FLAVOR} not in force), or
 * a CUDA build that sees no device (no driver, no {@code nvidia.com/gpu} resource, {@code
 * CUDA_VISIBLE_DEVICES} empty).
 *
 * @param engineVersion libtorch's version
 * @param cudaBuild whether the loaded libtorch was built with CUDA
 * @param gpus the GPUs it sees
 * @param libtorch the path of the libtorch_cpu library loaded, or "unknown"
 */
public record GpuDetection(String engineVersion, boolean cudaBuild, int gpus, String libtorch) {

  /** Asks the engine (starting it if needed). */
  public static GpuDetection detect() {
    Engine engine = TorchRuntime.engine();
    return new GpuDetection(
        engine.getVersion(),
        engine.hasCapability(StandardCapabilities.CUDA),
        engine.getGpuCount(),
        TorchRuntime.loadedLibtorch().map(Path::toString).orElse("unknown"));
  }

  /** One line: what was looked for and what was found. */
  public String describe() {
    return "libtorch "
        + engineVersion
        + " from "
        + libtorch
        + (cudaBuild ? " is a CUDA build" : " is the CPU build (no CUDA)")
        + ", GPUs visible to it: "
        + gpus;
  }
}
