package io.labelcurve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerSettingsTest {
  @Test
  void unsetVariablesGiveTheDefaults() {
    assertEquals(WorkerSettings.DEFAULTS, WorkerSettings.fromEnvironment(Map.of()));
    assertEquals(
        WorkerSettings.DEFAULTS,
        WorkerSettings.fromEnvironment(Map.of(WorkerSettings.SHARD_SIZE_ENV, " ")));
  }

  @Test
  void setVariablesAreRead() {
    WorkerSettings s =
        WorkerSettings.fromEnvironment(
            Map.of(
                WorkerSettings.SHARD_SIZE_ENV, "64",
                WorkerSettings.CHECKPOINT_EVERY_ENV, " 10 ",
                WorkerSettings.MAX_GRAD_NORM_ENV, "0",
                WorkerSettings.CUDA_VISIBLE_DEVICES, ""));
    assertEquals(new WorkerSettings(64, 10, 0.0, ""), s);
    assertEquals("CUDA_VISIBLE_DEVICES=\"\" (hides every GPU)", s.describeVisibleDevices());
    assertEquals(32, s.withEmbedShardSize(32).embedShardSize());
  }

  @Test
  void aBadValueIsRefusedNamingTheVariable() {
    for (var bad :
        Map.of(
                WorkerSettings.SHARD_SIZE_ENV, "0",
                WorkerSettings.CHECKPOINT_EVERY_ENV, "ten",
                WorkerSettings.MAX_GRAD_NORM_ENV, "-1")
            .entrySet()) {
      BadInputException e =
          assertThrows(
              BadInputException.class,
              () -> WorkerSettings.fromEnvironment(Map.of(bad.getKey(), bad.getValue())));
      assertTrue(
          e.getMessage().contains(bad.getKey() + " is '" + bad.getValue() + "'"), e.getMessage());
    }
  }
}
