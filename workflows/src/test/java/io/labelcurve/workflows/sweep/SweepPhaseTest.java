package io.labelcurve.workflows.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DataConverterException;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The phase an enum, its wire form the strings it was: a CLI and a worker of different versions
 * read each other's progress queries.
 */
class SweepPhaseTest {
  private static final DataConverter CONVERTER = DefaultDataConverter.newDefaultInstance();

  @Test
  void travelsAsTheLabelItAlwaysHad() {
    SweepProgress p =
        new SweepProgress(SweepPhase.WRITING_RESULTS, 10, 4, 1, 2, 30, Map.of("m", "why"));
    Payload payload = CONVERTER.toPayload(p).orElseThrow();
    String json = payload.getData().toString(StandardCharsets.UTF_8);
    assertTrue(json.contains("\"phase\":\"writing results\""), json);
    assertEquals(p, CONVERTER.fromPayload(payload, SweepProgress.class, SweepProgress.class));
  }

  @Test
  void readsEveryPhaseAnOlderWorkerAnswered() {
    for (String old :
        new String[] {
          "validating",
          "embedding",
          "cells",
          "continuing",
          "writing results",
          "writing report",
          "done",
          "failed",
          "cancelled"
        }) {
      Payload payload =
          CONVERTER
              .toPayload(
                  Map.of(
                      "phase", old, "cells", 1, "done", 0, "failed", 0, "running", 0, "images", 0))
              .orElseThrow();
      SweepProgress p = CONVERTER.fromPayload(payload, SweepProgress.class, SweepProgress.class);
      assertEquals(old, p.phase().label());
      assertEquals(Map.of(), p.failedModels(), "absent in old payloads: empty");
    }
  }

  @Test
  void refusesAPhaseItDoesNotKnow() {
    assertThrows(IllegalArgumentException.class, () -> SweepPhase.of("sleeping"));
    Payload payload = CONVERTER.toPayload(Map.of("phase", "sleeping", "cells", 1)).orElseThrow();
    assertThrows(
        DataConverterException.class,
        () -> CONVERTER.fromPayload(payload, SweepProgress.class, SweepProgress.class));
  }
}
