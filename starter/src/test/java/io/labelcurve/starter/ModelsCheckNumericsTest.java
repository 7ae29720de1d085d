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
 * ({@code ONEDNN_MAX_CPU_ISA=ALL}) on an AVX-512 CPU the check says the numbers are wrong and
 * exits 5 (ExitCode.NUMERICS_WRONG). Each JVM starts libtorch afresh, which the setting needs.
 */
class ModelsCheckNumericsTest {

  @TempDir Path dir;

  private Run check(Map<String, String> env) throws Exception {
    Path log = dir.resolve("check-" + env.hashCode() + ".log");
    Process p = LabelcurveProcesses.start(log, env, List.of("models", "check",
        "mobilenetv2-imagenet", "--models", models().toString()));
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), "models check still running: "
        + LabelcurveProcesses.read(log));
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
    assertTrue(run.output().contains("ONEDNN_MAX_CPU_ISA=AVX2_VNNI_2 (labelcurve default)"),
        run.output());
    assertTrue(run.output().contains("batch 1 vs 64: min cosine 1.0000")
        && run.output().contains("(invariant); PyTorch reference (8 images)")
        && run.output().contains("(matches): ok"), run.output());
  }

  @Test
  void withoutTheCapAnAvx512CpuIsCaughtComputingWrongNumbers() throws Exception {
    assumeTrue(Files.isDirectory(models().resolve("mobilenetv2-imagenet")), "needs " + models());
    assumeTrue(CpuInfo.read().avx512(), "the broken oneDNN kernels are AVX-512 ones");
    Run run = check(Map.of("ONEDNN_MAX_CPU_ISA", "ALL"));
    assertEquals(ExitCode.NUMERICS_WRONG.code(), run.exit(), run.output());
    assertTrue(run.output().contains("ONEDNN_MAX_CPU_ISA=ALL (environment)"), run.output());
    assertTrue(run.output().contains("(DIFFERS)") && run.output().contains("WRONG"),
        run.output());
  }
}
