package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.labelcurve.activities.BadInputException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * One meaning per exit code. The codes a sweep ends with (1 cells failed, 4 failed or cancelled)
 * are asserted on real sweeps in {@link SweepOpsTest}, 3 in {@link UnreachableServerTest} and the
 * catalogue's S3 case, 2 in every case of {@link BadInputsCatalogIT}, 5 in {@link
 * ModelsCheckNumericsIT}; here: that they differ, how exceptions map to them, and that the README's
 * table lists every one.
 */
class ExitCodeTest {

  @Test
  void everyCodeIsDistinct() {
    assertEquals(
        ExitCode.values().length,
        Arrays.stream(ExitCode.values()).map(ExitCode::code).collect(Collectors.toSet()).size());
  }

  @Test
  void exceptionsMapToTheirCodes() {
    assertEquals(ExitCode.BAD_INPUT, Labelcurve.exitCodeOf(new BadInputException("x")));
    assertEquals(
        ExitCode.BAD_INPUT,
        Labelcurve.exitCodeOf(new RuntimeException(new BadInputException("wrapped"))));
    assertEquals(
        ExitCode.SWEEP_FAILED,
        Labelcurve.exitCodeOf(new UserError("s failed", ExitCode.SWEEP_FAILED)));
    assertEquals(
        ExitCode.UNREACHABLE,
        Labelcurve.exitCodeOf(
            new RuntimeException(new StatusRuntimeException(Status.UNAVAILABLE))));
    assertEquals(ExitCode.INTERNAL, Labelcurve.exitCodeOf(new IllegalStateException("a bug")));
  }

  @Test
  void successAndUsageThroughTheCli() {
    assertEquals(ExitCode.OK.code(), run("sweep", "plan", "--preset", "paper", "-o", "json"));
    assertEquals(ExitCode.BAD_INPUT.code(), run("sweep", "plan", "--no-such-flag"));
  }

  @Test
  void theReadmeListsEveryCode() throws Exception {
    String readme = Files.readString(BadInputsCatalogIT.repoRoot().resolve("README.md"));
    for (ExitCode c : ExitCode.values()) {
      assertTrue(readme.contains("| " + c.code() + " | "), "README's exit-code table lacks " + c);
    }
  }

  private static int run(String... args) {
    PrintStream out = System.out;
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try {
      return Labelcurve.run(args);
    } finally {
      System.setOut(out);
    }
  }
}
