package io.labelcurve.activities.torch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The processor, as far as it decides which CPU kernels run: its model name and its vector
 * instruction flags (the ones oneDNN and PyTorch dispatch on).
 *
 * @param model the model name, or the architecture where none can be read
 * @param simdFlags the SSE4/AVX/AMX/FMA flags, space-separated, sorted
 */
public record CpuInfo(String model, String simdFlags) {

  /** This machine's, from {@code /proc/cpuinfo} (the JVM's architecture elsewhere). */
  public static CpuInfo read() {
    try {
      return parse(Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return new CpuInfo(System.getProperty("os.arch"), "unknown");
    }
  }

  static CpuInfo parse(List<String> cpuinfo) {
    String model = System.getProperty("os.arch");
    String flags = "";
    for (String line : cpuinfo) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).strip();
      String value = line.substring(colon + 1).strip();
      if (key.equals("model name") && model.equals(System.getProperty("os.arch"))) {
        model = value;
      } else if (key.equals("flags") && flags.isEmpty()) {
        flags = value;
      }
    }
    String simd =
        Arrays.stream(flags.split("\\s+"))
            .map(f -> f.toLowerCase(Locale.ROOT))
            .filter(
                f ->
                    f.startsWith("avx")
                        || f.startsWith("amx")
                        || f.startsWith("sse4")
                        || f.equals("fma"))
            .sorted()
            .collect(Collectors.joining(" "));
    return new CpuInfo(model, simd.isEmpty() ? "none listed" : simd);
  }

  /** Whether the CPU has AVX-512 (the kernels of issue 12). */
  public boolean avx512() {
    return simdFlags.contains("avx512f");
  }
}
