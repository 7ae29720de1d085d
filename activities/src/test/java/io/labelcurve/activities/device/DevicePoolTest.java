package io.labelcurve.activities.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class DevicePoolTest {
  private static GpuDetection sees(int gpus) {
    return new GpuDetection("2.7.1", gpus > 0, gpus, "/opt/libtorch/lib/libtorch_cpu.so");
  }

  @Test
  void aWorkerGetsItsFirstNGpusOneActivityEach() {
    DevicePool pool = DevicePool.forWorker(2, sees(4));
    assertEquals(List.of(Device.gpu(0), Device.gpu(1)), pool.devices());
    assertFalse(pool.onCpu());
    assertEquals("cuda:1", pool.slots().get(1).metricLabel());
    assertEquals("gpu(1) slot 1 of 2", pool.slots().get(1).describe());
  }

  @Test
  void withoutAGpuItGetsAsManyCpuSlots() {
    DevicePool pool = DevicePool.forWorker(3, sees(0));
    assertEquals(3, pool.slots().size());
    assertEquals(List.of(Device.cpu()), pool.devices());
    assertTrue(pool.onCpu());
    assertEquals("cpu", pool.slots().get(2).metricLabel());
  }

  @Test
  void fewerGpusThanAskedForIsRefused() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> DevicePool.forWorker(2, sees(1)));
    assertTrue(e.getMessage().contains("--gpus 2 but libtorch sees 1 GPU(s)"), e.getMessage());
  }

  @Test
  void aLeaseHoldsItsSlotUntilClosedAndAWaiterGetsIt() throws Exception {
    DevicePool pool = DevicePool.cpuSlots(1);
    DevicePool.Lease first = pool.lease();
    CompletableFuture<DevicePool.Slot> waiter =
        CompletableFuture.supplyAsync(
            () -> {
              try (DevicePool.Lease l = pool.lease()) {
                return l.slot();
              } catch (InterruptedIOException e) {
                throw new IllegalStateException(e);
              }
            });
    assertThrows(TimeoutException.class, () -> waiter.get(300, TimeUnit.MILLISECONDS));
    assertEquals(1, pool.leased());
    first.close();
    first.close(); // a second close gives nothing back twice
    assertEquals(0, waiter.get(30, TimeUnit.SECONDS).index());
    assertEquals(0, pool.leased());
    assertEquals(1, pool.peakLeased());
  }

  @Test
  void anInterruptedWaitFailsAndTakesNoSlot() throws Exception {
    DevicePool pool = DevicePool.cpuSlots(1);
    try (DevicePool.Lease held = pool.lease()) {
      Thread.currentThread().interrupt();
      assertThrows(InterruptedIOException.class, pool::lease);
      assertTrue(Thread.interrupted(), "the interrupt flag is kept (and cleared here)");
      assertEquals(1, pool.leased());
    }
    assertEquals(0, pool.leased());
  }

  @Test
  void aSharedDeviceIsNeverExhausted() throws Exception {
    DevicePool pool = DevicePool.shared(Device.cpu());
    try (DevicePool.Lease a = pool.lease();
        DevicePool.Lease b = pool.lease()) {
      assertEquals(a.device(), b.device());
    }
  }
}
