package io.labelcurve.activities.torch;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.JniUtils;
import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way into DJL's PyTorch engine: {@link #engine()} caps oneDNN's instruction set before
 * libtorch loads, then starts the engine; {@link #numerics()} says what is in force.
 *
 * <p>Why: the oneDNN bundled in DJL's libtorch 2.7.1 computes MobileNetV2's embeddings wrongly on
 * AVX-512 CPUs whenever a batch holds more than one image (cosine 0.94 to PyTorch's; issue 12: its
 * depthwise {@code brdgmm_dw:avx512_core} and {@code brgconv_1x1:avx512_core} kernels). Every
 * AVX-512 level of {@code ONEDNN_MAX_CPU_ISA} still gives the wrong numbers, {@code AVX2_VNNI_2}
 * (the highest level below AVX-512) and anything lower give PyTorch's (4e-6), so that is the cap,
 * the smallest change that makes the numbers right. It also makes this machine's extraction faster,
 * not slower (docs/BENCHMARKS.md). GPU kernels do not use oneDNN; the cap costs them nothing.
 *
 * <p>oneDNN reads {@code ONEDNN_MAX_CPU_ISA} from the process environment the first time it
 * dispatches, and Java cannot change its own environment, so the variable is set with libc's {@code
 * setenv} (through JNA) before libtorch is loaded: it then holds however labelcurve was started
 * ({@code ./labelcurve}, {@code java -jar}, the Docker images, the test JVMs). A value the user set
 * is kept as it is ({@code ONEDNN_MAX_CPU_ISA=ALL} lifts the cap; the numerics canary then says
 * whether the numbers are still right).
 */
public final class TorchRuntime {
  private static final Logger log = LoggerFactory.getLogger(TorchRuntime.class);

  /** DJL's name of the engine. */
  public static final String ENGINE = "PyTorch";

  /** The environment variable oneDNN reads. */
  public static final String ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";

  /** The highest oneDNN level below AVX-512: measured right on this project's AVX-512 machines. */
  public static final String DEFAULT_MAX_ISA = "AVX2_VNNI_2";

  /** System property with PyTorch's intra-op thread count. */
  public static final String THREADS_PROPERTY = "labelcurve.torch.threads";

  /** Environment variable with PyTorch's intra-op thread count, when the property is not set. */
  public static final String THREADS_ENV = "LABELCURVE_TORCH_THREADS";

  private static final String LIBTORCH_CPU = "libtorch_cpu.so";

  /** {@code std::string at::get_mkldnn_version()}, exported by libtorch_cpu. */
  private static final String MKLDNN_VERSION_SYMBOL = "_ZN2at18get_mkldnn_versionB5cxx11Ev";

  private static Engine engine;
  private static Numerics numerics;

  private TorchRuntime() {}

  /**
   * DJL's PyTorch engine, started on first use after the oneDNN cap is in place. Everything in
   * labelcurve that touches libtorch comes through here.
   */
  public static synchronized Engine engine() {
    if (engine == null) {
      IsaCap cap = applyIsaCap();
      Engine started;
      try {
        started = Engine.getEngine(ENGINE);
      } catch (IllegalArgumentException | EngineException e) {
        throw new IllegalStateException(
            "DJL's PyTorch engine is not available: "
                + e.getMessage()
                + " (the pytorch-native-cpu jar, or a GPU build, must be on the"
                + " classpath)",
            e);
      }
      applyThreadSetting();
      numerics =
          new Numerics(
              ENGINE,
              started.getVersion(),
              oneDnnVersion(),
              cap.value(),
              cap.source(),
              CpuInfo.read());
      engine = started;
      log.info("PyTorch {} ready: {}", engine.getVersion(), numerics.describe());
    }
    return engine;
  }

  /** The engine's numerics settings and this machine's CPU (starts the engine if needed). */
  public static synchronized Numerics numerics() {
    engine();
    return numerics;
  }

  /**
   * PyTorch's intra-op threads from the system property {@value #THREADS_PROPERTY} (environment
   * {@value #THREADS_ENV}), e.g. to leave cores to image decoding; unset: PyTorch's default (one
   * per core). Applied here, where every path into libtorch passes, so that embedding and
   * finetuning run with the same count (a finetune resumed in another process is then bit-exact on
   * a CPU).
   */
  private static void applyThreadSetting() {
    String v = System.getProperty(THREADS_PROPERTY, System.getenv(THREADS_ENV));
    if (v == null || v.isBlank()) {
      return;
    }
    int threads;
    try {
      threads = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      threads = 0;
    }
    if (threads < 1) {
      throw new BadInputException(
          THREADS_PROPERTY + " / " + THREADS_ENV + " is '" + v + "'; expected a positive integer");
    }
    JniUtils.setNumThreads(threads);
    log.info("PyTorch intra-op threads: {}", threads);
  }

  private record IsaCap(String value, String source) {}

  private static IsaCap applyIsaCap() {
    String given = System.getenv(ISA_VARIABLE);
    if (given != null && !given.isBlank()) {
      return new IsaCap(given.trim(), "environment");
    }
    if (loadedLibtorchPath().isPresent()) {
      // Someone started libtorch without coming through here: oneDNN may already have read its
      // environment, so setting it now would claim a cap that may not hold.
      return new IsaCap(
          "ALL", "not applied: libtorch was loaded before labelcurve could set " + ISA_VARIABLE);
    }
    try {
      int rc = LibC.INSTANCE.setenv(ISA_VARIABLE, DEFAULT_MAX_ISA, 0);
      if (rc != 0) {
        return new IsaCap("ALL", "not applied: setenv returned " + rc);
      }
      return new IsaCap(DEFAULT_MAX_ISA, "labelcurve default");
    } catch (LinkageError | RuntimeException e) {
      log.warn(
          "cannot set {} before libtorch loads ({}); oneDNN keeps its full instruction set"
              + " and the numerics canary decides whether its numbers can be used",
          ISA_VARIABLE,
          e.toString());
      return new IsaCap("ALL", "not applied: " + e);
    }
  }

  /** libc's {@code setenv(3)}. */
  private interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int setenv(String name, String value, int overwrite);
  }

  /** The path of the libtorch_cpu library this process loaded, if it did. */
  public static Optional<Path> loadedLibtorch() {
    return loadedLibtorchPath();
  }

  /** libtorch_cpu's path if it is mapped into this process. */
  private static Optional<Path> loadedLibtorchPath() {
    try {
      List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.UTF_8);
      return maps.stream()
          .filter(l -> l.endsWith("/" + LIBTORCH_CPU))
          .map(l -> Path.of(l.substring(l.indexOf('/'))))
          .findFirst();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The oneDNN version libtorch was built with, as {@code at::get_mkldnn_version()} says it, or
   * "unknown" where that function cannot be found (a libtorch built without oneDNN, not Linux).
   */
  private static String oneDnnVersion() {
    Optional<Path> lib = loadedLibtorchPath();
    if (lib.isEmpty()) {
      return "unknown";
    }
    try {
      Function f =
          NativeLibrary.getInstance(lib.get().toString()).getFunction(MKLDNN_VERSION_SYMBOL);
      // The C++ ABI returns a std::string through a hidden first pointer to 32 bytes:
      // {char* data; size_t length; char local[16]}. Its buffer is left to the process (once).
      Memory result = new Memory(32);
      f.invoke(Void.class, new Object[] {result});
      Pointer data = result.getPointer(0);
      long length = result.getLong(8);
      if (data == null || length <= 0 || length > 1024) {
        return "unknown";
      }
      return new String(data.getByteArray(0, (int) length), StandardCharsets.UTF_8).strip();
    } catch (LinkageError | RuntimeException e) {
      return "unknown";
    }
  }

  /**
   * What computes an encoder's numbers here.
   *
   * @param engine DJL's engine name
   * @param engineVersion libtorch's version
   * @param oneDnnVersion the oneDNN (MKL-DNN) version libtorch reports
   * @param maxCpuIsa the {@value #ISA_VARIABLE} in force ("ALL": no cap)
   * @param isaSource where it came from: "labelcurve default", "environment" or "not applied: …"
   * @param cpu this machine's processor
   */
  public record Numerics(
      String engine,
      String engineVersion,
      String oneDnnVersion,
      String maxCpuIsa,
      String isaSource,
      CpuInfo cpu) {

    /**
     * The part of the embedding cache key that stands for the engine: vectors computed by another
     * engine version or another oneDNN cap are never reused.
     */
    public String cacheTag() {
      return (engine + "-" + engineVersion + "-onednn-" + maxCpuIsa)
          .toLowerCase(Locale.ROOT)
          .replaceAll("[^a-z0-9._-]", "_");
    }

    /** One line for logs and errors. */
    public String describe() {
      return engine
          + " "
          + engineVersion
          + ", "
          + oneDnnVersion
          + ", "
          + ISA_VARIABLE
          + "="
          + maxCpuIsa
          + " ("
          + isaSource
          + "), CPU "
          + cpu.model()
          + " ["
          + cpu.simdFlags()
          + "]";
    }
  }
}
