package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.labelcurve.activities.torch.CpuInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code labelcurve models check} in a JVM of its own, as a user runs it (issue 12): with the
 * oneDNN cap that labelcurve sets before libtorch loads, the shared MobileNetV2 is batch-invariant
 * and matches the exporter's PyTorch reference at the workers' batch size; with the cap lifted
 * ({@code ONEDNN_MAX_CPU_ISA=ALL}) on an AVX-512 CPU the check says the numbers are wrong and exits
 * 5 (ExitCode.NUMERICS_WRONG). Each JVM starts libtorch afresh, which the setting needs.
 */
class ModelsCheckNumericsIT {

  @TempDir Path dir;

  private Run check(Map<String, String> env) throws Exception {
    Path log = dir.resolve("check-" + env.hashCode() + ".log");
    Process p =
        LabelcurveProcesses.start(
            log,
            env,
            List.of("models", "check", "mobilenetv2-imagenet", "--models", models().toString()));
    assertTrue(
        p.waitFor(3, TimeUnit.MINUTES),
        "models check still running: " + LabelcurveProcesses.read(log));
    return new Run(p.exitValue(), Files.readString(log));
  }

  private record Run(int exit, String output) {}

  private static Path models() {
    Path here = Path.of("").toAbsolutePath();
    Path root = Files.isRegularFile(here.resolve("mvnw")) ? here : here.getParent();
    return root.getParent().resolve("shared").resolve("models");
  }

  @Test
  void withLabelcurvesCapTheModelMatchesPyTorchAtTheWorkersBatch() throws Exception {
    assumeTrue(Files.isDirectory(models().resolve("mobilenetv2-imagenet")), "needs " + models());
    Map<String, String> env = new HashMap<>();
    env.put("ONEDNN_MAX_CPU_ISA", null);
    Run run = check(env);
    assertEquals(0, run.exit(), run.output());
    assertTrue(
        run.output().contains("ONEDNN_MAX_CPU_ISA=AVX2_VNNI_2 (labelcurve default)"), run.output());
    assertTrue(
        run.output().contains("batch 1 vs 64: min cosine 1.0000")
            && run.output().contains("(invariant); PyTorch reference (8 images)")
            && run.output().contains("(matches): ok"),
        run.output());
  }

  /**
   * Uncapped, the check's verdict and its exit code agree whatever the CPU computes; where the
   * CPU's AVX-512 kernels are wrong (seen on the AMD EPYC of 2026-12-01: max |diff| 1.49), it must
   * say so. Not every AVX-512 CPU has the defect: the AMD EPYC of 2026-12-02 (no AMX, no
   * AVX512-FP16) computed the right numbers uncapped, and then only the agreement is checked —
   * which is why every worker runs the canary instead of trusting the CPU's flags.
   */
  @Test
  void withoutTheCapTheCheckCatchesWrongNumbersWhereTheCpuComputesThem() throws Exception {
    assumeTrue(Files.isDirectory(models().resolve("mobilenetv2-imagenet")), "needs " + models());
    assumeTrue(CpuInfo.read().avx512(), "the broken oneDNN kernels are AVX-512 ones");
    Run run = check(Map.of("ONEDNN_MAX_CPU_ISA", "ALL"));
    assertTrue(run.output().contains("ONEDNN_MAX_CPU_ISA=ALL (environment)"), run.output());
    boolean differs = run.output().contains("(DIFFERS)");
    assertEquals(
        differs ? ExitCode.NUMERICS_WRONG.code() : ExitCode.OK.code(), run.exit(), run.output());
    assumeTrue(differs, "this CPU computes the right numbers without the cap; nothing to catch");
    assertTrue(run.output().contains("WRONG"), run.output());
  }
}
