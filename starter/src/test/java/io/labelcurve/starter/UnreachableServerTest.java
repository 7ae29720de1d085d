package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * With no Temporal server at the address, commands say so and what to set, in one message and exit
 * code 3 (ExitCode.UNREACHABLE); in particular they do not answer as if the server had said "no
 * such sweep".
 */
class UnreachableServerTest {

  @Test
  void cancelSaysNoServerAnswersNotNoSuchSweep() {
    String err = refuse("sweep", "cancel", "some-sweep", "--temporal", "127.0.0.1:1");
    assertTrue(
        err.contains("no Temporal server answers at 127.0.0.1:1")
            && err.contains("UNAVAILABLE")
            && err.contains("LABELCURVE_TEMPORAL_ADDRESS"),
        err);
    assertFalse(err.contains("no sweep"), err);
    assertFalse(err.contains("\tat "), "no stack trace: " + err);
  }

  @Test
  void registeringSearchAttributesNamesTheAddress() {
    String err = refuse("search-attributes", "register", "--temporal", "127.0.0.1:1");
    assertTrue(
        err.contains("127.0.0.1:1")
            && err.contains("UNAVAILABLE")
            && err.contains("LABELCURVE_TEMPORAL_ADDRESS"),
        err);
    assertFalse(err.contains("\tat "), "no stack trace: " + err);
  }

  private static String refuse(String... args) {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int code = Labelcurve.run(args);
      assertEquals(ExitCode.UNREACHABLE.code(), code, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(err);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
