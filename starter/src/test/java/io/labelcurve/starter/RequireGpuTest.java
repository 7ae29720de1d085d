package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.device.GpuDetection;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code labelcurve worker --require-gpu} on a machine whose libtorch sees no GPU (the CPU natives
 * of the build): it refuses to start, before it connects to anything, and says what it looked for.
 */
class RequireGpuTest {
  @Test
  void aWorkerThatMustHaveAGpuAndFindsNoneFailsAtStartSayingWhy() {
    GpuDetection here = GpuDetection.detect();
    Assumptions.assumeTrue(here.gpus() == 0, "this machine has a GPU: " + here.describe());
    // No server listens on port 1: had the worker got past the GPU check, it would fail with
    // UNREACHABLE (3), not NO_GPU (6).
    CliRun run =
        CliRun.inProcess(
            "worker",
            "--require-gpu",
            "--queues",
            "labelcurve-gpu",
            "--no-workflows",
            "--metrics-port",
            "0",
            "--temporal",
            "127.0.0.1:1");
    assertEquals(ExitCode.NO_GPU.code(), run.code(), run.out() + run.err());
    // docs/GPU.md quotes it.
    System.out.println("worker --require-gpu said: " + run.err());
    assertTrue(run.err().contains("--require-gpu: no GPU"), run.err());
    assertTrue(run.err().contains("looked for a CUDA build of libtorch"), run.err());
    assertTrue(run.err().contains("is the CPU build (no CUDA)"), run.err());
    assertTrue(run.err().contains("GPUs visible to it: 0"), run.err());
    assertTrue(run.err().contains("CUDA_VISIBLE_DEVICES"), run.err());
    assertTrue(run.err().contains("docs/GPU.md"), run.err());
  }
}
