package io.labelcurve.activities.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.labelcurve.activities.device.DevicePool;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encoders kept per device slot, with real DJL encoders: the tiny TorchScript CNN and a copy of it
 * under another id (another model to the cache). CPU slots stand in for GPUs.
 */
class SlotEncodersTest {
  @TempDir static Path dir;
  static ModelCatalog catalog;

  @BeforeAll
  static void catalog() throws Exception {
    TestModels.tinyCnnUnder(dir, "tiny-cnn", "tiny-cnn-b");
    catalog = ModelCatalog.load(dir.resolve("models"));
  }

  static SlotEncoders.Key key(String id, DevicePool.Slot slot) {
    ModelSpec spec = catalog.get(id);
    return new SlotEncoders.Key(spec, catalog.digest(spec), String.valueOf(slot.device()));
  }

  static SlotEncoders.Held acquire(SlotEncoders cache, DevicePool.Slot slot, String id) {
    ModelSpec spec = catalog.get(id);
    return cache.acquire(slot, key(id, slot), () -> Encoders.open(catalog, spec, Device.cpu()));
  }

  /** The encoder was closed: it refuses work, its native memory freed. */
  static IllegalStateException assertClosed(Encoder encoder) {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> encoder.embed(List.of(blank(catalog.get("tiny-cnn")))));
    assertTrue(e.getMessage().endsWith(" is closed"), e.getMessage());
    return e;
  }

  /** The encoder is open: a blank image gives a 16-d vector. */
  static void assertWorks(Encoder encoder) {
    assertEquals(16, encoder.embed(List.of(blank(catalog.get("tiny-cnn"))))[0].length);
  }

  static float[] blank(ModelSpec spec) {
    return new float[spec.input().channels() * spec.input().size() * spec.input().size()];
  }

  @Test
  void twoUsesOfOneModelOnASlotLoadItOnceAndReuseItsCanary() throws Exception {
    DevicePool pool = DevicePool.cpuSlots(2);
    DevicePool.Slot slot = pool.slots().get(0);
    ModelSpec spec = catalog.get("tiny-cnn");
    AtomicInteger verified = new AtomicInteger();
    Encoder first;
    try (SlotEncoders cache = new SlotEncoders()) {
      NumericsCanary.Report report;
      float[] row;
      try (SlotEncoders.Held held = acquire(cache, slot, "tiny-cnn")) {
        first = held.encoder();
        Encoder loaded = first;
        report =
            held.canary(
                4,
                () -> {
                  verified.incrementAndGet();
                  return NumericsCanary.run(
                      spec, loaded::embed, Optional.empty(), 4, "cpu()", () -> {});
                });
        row = first.embed(List.of(blank(spec)))[0];
        held.keep();
      }
      try (SlotEncoders.Held held = acquire(cache, slot, "tiny-cnn")) {
        assertSame(first, held.encoder(), "the kept encoder, not a new one");
        assertArrayEquals(row, held.encoder().embed(List.of(blank(spec)))[0]);
        assertSame(
            report,
            held.canary(
                4,
                () -> {
                  verified.incrementAndGet();
                  throw new AssertionError("checked already at batch 4");
                }));
        held.keep();
      }
      assertEquals(1, cache.loads());
      assertEquals(1, cache.reuses());
      assertEquals(1, verified.get());

      // Another slot has its own.
      try (SlotEncoders.Held held = acquire(cache, pool.slots().get(1), "tiny-cnn")) {
        assertNotSame(first, held.encoder());
        held.keep();
      }
      assertEquals(2, cache.loads());
    }
    // Closing the cache closed what it kept.
    assertClosed(first);
  }

  @Test
  void anotherModelOnTheSlotClosesTheKeptOneFirst() {
    DevicePool.Slot slot = DevicePool.cpuSlots(1).slots().get(0);
    try (SlotEncoders cache = new SlotEncoders()) {
      Encoder a;
      try (SlotEncoders.Held held = acquire(cache, slot, "tiny-cnn")) {
        a = held.encoder();
        held.keep();
      }
      Encoder b;
      try (SlotEncoders.Held held = acquire(cache, slot, "tiny-cnn-b")) {
        b = held.encoder();
        assertNotSame(a, b);
        // One model per slot: the first is closed, its native memory freed.
        assertEquals("encoder tiny-cnn is closed", assertClosed(a).getMessage());
        held.keep();
      }
      assertEquals(2, cache.loads());
      // Back to the first model: loaded again.
      try (SlotEncoders.Held held = acquire(cache, slot, "tiny-cnn")) {
        assertNotSame(a, held.encoder());
        assertClosed(b);
        held.keep();
      }
      assertEquals(3, cache.loads());
      assertEquals(0, cache.reuses());
    }
  }

  @Test
  void aFailedUseClosesTheEncoderAndTheNextLoadsAfresh() {
    DevicePool.Slot slot = DevicePool.cpuSlots(1).slots().get(0);
    try (SlotEncoders cache = new SlotEncoders()) {
      Encoder broken;
      try (SlotEncoders.Held held = acquire(cache, slot, "tiny-cnn")) {
        broken = held.encoder();
        held.keep();
      }
      assertThrows(
          IllegalArgumentException.class,
          () -> {
            try (SlotEncoders.Held held = acquire(cache, slot, "tiny-cnn")) {
              assertSame(broken, held.encoder());
              // The encoder throws mid-work (an input it cannot take); keep() is never reached.
              held.encoder().embed(List.of(new float[7]));
              held.keep();
            }
          });
      assertClosed(broken);
      try (SlotEncoders.Held held = acquire(cache, slot, "tiny-cnn")) {
        assertNotSame(broken, held.encoder());
        assertWorks(held.encoder());
        held.keep();
      }
      assertEquals(2, cache.loads());
      assertEquals(1, cache.reuses());
    }
  }

  @Test
  void closingTheCacheClosesWhatItKeptAndWhatIsInUseWhenReleased() {
    DevicePool pool = DevicePool.cpuSlots(2);
    SlotEncoders cache = new SlotEncoders();
    Encoder kept;
    try (SlotEncoders.Held held = acquire(cache, pool.slots().get(0), "tiny-cnn")) {
      kept = held.encoder();
      held.keep();
    }
    SlotEncoders.Held inUse = acquire(cache, pool.slots().get(1), "tiny-cnn");
    cache.close();
    assertClosed(kept);
    // The holder still works with its encoder until it lets go.
    assertWorks(inUse.encoder());
    inUse.keep();
    inUse.close();
    assertClosed(inUse.encoder());
  }

  @Test
  void aKeptEncoderUnusedForTheIdleTimeIsClosedAndTheNextUseLoadsItAgain() throws Exception {
    DevicePool.Slot slot = DevicePool.cpuSlots(1).slots().get(0);
    try (SlotEncoders cache = new SlotEncoders(Duration.ofMillis(200))) {
      Encoder kept;
      try (SlotEncoders.Held held = acquire(cache, slot, "tiny-cnn")) {
        kept = held.encoder();
        held.keep();
      }
      // The cache's own sweeper, in real time: looks every 50 ms, closes after 200 ms unused.
      for (int i = 0; i < 100 && cache.idleClosed() == 0; i++) {
        Thread.sleep(50);
      }
      assertEquals(1, cache.idleClosed());
      assertClosed(kept);
      try (SlotEncoders.Held held = acquire(cache, slot, "tiny-cnn")) {
        assertNotSame(kept, held.encoder());
        assertWorks(held.encoder());
      }
      assertEquals(2, cache.loads());
      assertEquals(0, cache.reuses());
    }
  }

  @Test
  void onlyEncodersKeptLongerThanTheIdleTimeAreClosedNeverOneInUse() {
    DevicePool pool = DevicePool.cpuSlots(2);
    try (SlotEncoders cache = new SlotEncoders()) {
      Encoder kept;
      try (SlotEncoders.Held held = acquire(cache, pool.slots().get(0), "tiny-cnn")) {
        kept = held.encoder();
        held.keep();
      }
      try (SlotEncoders.Held inUse = acquire(cache, pool.slots().get(1), "tiny-cnn")) {
        long now = System.nanoTime();
        assertEquals(0, cache.closeIdle(now), "kept just now");
        assertEquals(
            0, cache.closeIdle(now + SlotEncoders.DEFAULT_IDLE.toNanos() / 2), "within the time");
        assertEquals(1, cache.closeIdle(now + SlotEncoders.DEFAULT_IDLE.toNanos() + 1));
        assertClosed(kept);
        assertWorks(inUse.encoder());
        inUse.keep();
      }
      // Kept again after its use: its idle time starts now.
      assertEquals(0, cache.closeIdle(System.nanoTime()));
      assertEquals(1, cache.idleClosed());
    }
  }

  @Test
  void aSharedSlotInUseGivesASecondHolderAnEncoderOfItsOwn() {
    DevicePool.Slot slot = DevicePool.shared(Device.cpu()).slots().get(0);
    try (SlotEncoders cache = new SlotEncoders()) {
      try (SlotEncoders.Held first = acquire(cache, slot, "tiny-cnn")) {
        Encoder own;
        try (SlotEncoders.Held second = acquire(cache, slot, "tiny-cnn")) {
          own = second.encoder();
          assertNotSame(first.encoder(), own);
          second.keep();
        }
        // Not kept: the slot's encoder is the first holder's.
        assertClosed(own);
        first.keep();
      }
      try (SlotEncoders.Held again = acquire(cache, slot, "tiny-cnn")) {
        again.keep();
      }
      assertEquals(2, cache.loads());
      assertEquals(1, cache.reuses());
    }
  }
}
