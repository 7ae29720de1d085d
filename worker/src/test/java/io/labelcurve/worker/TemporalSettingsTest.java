package io.labelcurve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.labelcurve.activities.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Temporal API key from a file (compose/Kubernetes secrets), never printed. */
class TemporalSettingsTest {
  @TempDir Path dir;

  @Test
  void theApiKeyComesFromItsFileAndIsNeverPrinted() throws Exception {
    Path file = Files.writeString(dir.resolve("api-key"), "tmprl-key-0123456789abcdef\n");
    TemporalSettings s =
        TemporalSettings.fromEnvironment(
            Map.of(
                TemporalSettings.ENV_ADDRESS,
                "ns.acct.tmprl.cloud:7233",
                TemporalSettings.ENV_API_KEY_FILE,
                file.toString()));
    assertEquals("tmprl-key-0123456789abcdef", s.apiKey());
    assertFalse(s.toString().contains("tmprl-key"), s::toString);
    assertThrows(
        BadInputException.class,
        () ->
            TemporalSettings.fromEnvironment(
                Map.of(
                    TemporalSettings.ENV_API_KEY,
                    "x",
                    TemporalSettings.ENV_API_KEY_FILE,
                    file.toString())));
  }
}
