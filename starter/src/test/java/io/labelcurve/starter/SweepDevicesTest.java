package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.activities.store.SweepStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sweep status}'s devices line, from cell records in an S3Proxy bucket. */
class SweepDevicesTest {
  @TempDir Path dir;

  private static void put(S3BlobStore store, String cell, String device, String host)
      throws Exception {
    String json =
        "{\"sweep\": \"s\", \"cell\": \""
            + cell
            + "\", \"provenance\": {\"device\": \""
            + device
            + "\", \"host\": \""
            + host
            + "\"}}";
    store.put(new SweepStore(store, "s").cellKey(cell), json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void finetuneCellsThatRanOnTheCpuAreCountedWithTheirHosts() throws Exception {
    try (EmbeddedS3 s3 = EmbeddedS3.start(dir, 0);
        S3BlobStore store = S3BlobStore.connect(s3.settings("devices"))) {
      put(store, "dinov2.finetune.image-256.s0", "gpu(0)", "gpu-a");
      put(store, "dinov2.finetune.image-512.s0", "gpu(1)", "gpu-a");
      put(store, "dinov2.finetune.image-1024.s0", "cpu()", "cpu-b");
      put(store, "clip.finetune.image-256.s0", "cpu()", "cpu-c");
      // A probe cell's record is not GPU-queue work: not read.
      put(store, "dinov2.linear-probe.image-256.s0", "cpu()", "cpu-d");

      SweepDevices d = SweepDevices.of(store, "s");
      assertEquals(4, d.finetuneCells());
      assertEquals(Map.of("cpu()", 2, "gpu(0)", 1, "gpu(1)", 1), d.perDevice());
      assertEquals(Set.of("cpu-b", "cpu-c"), d.cpuHosts());
      assertEquals(2, d.onCpu());
      String line = d.line();
      assertTrue(
          line.startsWith(
              "devices of the 4 finished finetune cells (their provenance): cpu() 2, gpu(0) 1,"
                  + " gpu(1) 1"),
          line);
      assertTrue(
          line.contains(
              "2 ran on the CPU though finetuning polls the GPU queue: workers on cpu-b,"),
          line);
      assertTrue(line.contains("--require-gpu"), line);

      assertEquals("", SweepDevices.of(store, "no-such-sweep").line());
    }
  }
}
