package io.labelcurve.activities.embed;

import io.labelcurve.activities.device.DevicePool;
import io.labelcurve.activities.model.ModelSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The encoder last loaded on each device slot of one {@link DevicePool}, kept for the next activity
 * of the same model on that slot.
 *
 * <p>Why: a split's extraction runs as up to 64 range activities, each on a slot of its own.
 * Loading the model for every range (a TorchScript file read and moved to the device, the
 * blank-image check, the numerics canary) leaves a GPU idle for seconds to a minute per range. A
 * range that finds its model loaded on its slot starts computing at once.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>At most one encoder is kept per slot (a device holds one extraction model at a time, as it
 *       did when each range loaded its own): acquiring another model's encoder on a slot closes the
 *       kept one before the new one is loaded.
 *   <li>The kept encoder is reused only for the same {@link Key}: the model's spec as the preset
 *       has it, the catalog's digest of what it computes, and the device. The numerics canary's
 *       report is kept with it per batch size ({@link Held#canary}): it was checked for this
 *       encoder on this device at that batch size.
 *   <li>An encoder goes back to its slot only when its holder says the work succeeded ({@link
 *       Held#keep}); on any other way out ({@link Held#close} without {@code keep}: an engine
 *       error, a failed canary, a drain, a cancellation) it is closed, so that a retry loads it
 *       afresh: a failure may have left its native state unsound, and failures are rare enough that
 *       a reload costs little.
 *   <li>Thread-safety: a slot is leased to one activity at a time, so only the lease holder touches
 *       its slot's encoder; each slot's state is still guarded by its own lock, and a slot of a
 *       {@linkplain DevicePool#shared shared} pool (leased by many at once) gives a second
 *       concurrent holder an encoder of its own that is closed after use, never the one in use.
 *   <li>A kept encoder unused for {@link #DEFAULT_IDLE} (or the idle time given) is closed: once a
 *       model's extraction is over, its weights and the allocator's cache leave the device to the
 *       finetune cells that lease the same slots for hours.
 *   <li>{@link #close} (the worker's shutdown) closes every kept encoder; one in use is closed by
 *       its holder when it is released.
 * </ul>
 */
public final class SlotEncoders implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SlotEncoders.class);

  /**
   * How long a kept encoder waits for the next range of its model: a split's ranges follow each
   * other within seconds (the next split's plan is one bookkeeping activity away), so two minutes
   * covers them with room for a loaded server; longer would hold a device's memory from the
   * finetune cells after the extraction is over.
   */
  public static final Duration DEFAULT_IDLE = Duration.ofMinutes(2);

  /**
   * What a kept encoder must match to be reused.
   *
   * @param spec the model as the preset applied it (input size included)
   * @param digest the catalog's digest of what the model computes
   * @param device the slot's device, as the canary and provenance name it
   */
  public record Key(ModelSpec spec, String digest, String device) {
    public Key {
      Objects.requireNonNull(spec, "spec");
      Objects.requireNonNull(digest, "digest");
      Objects.requireNonNull(device, "device");
    }
  }

  /** A loaded encoder and the canary reports checked on it, by batch size. */
  private static final class Entry {
    final Key key;
    final Encoder encoder;
    final Map<Integer, NumericsCanary.Report> canaries = new HashMap<>();

    /** {@link System#nanoTime} when it went back to its slot; read under the slot's lock. */
    long keptSince;

    Entry(Key key, Encoder encoder) {
      this.key = key;
      this.encoder = encoder;
    }
  }

  /** One slot's kept encoder; guarded by itself. */
  private static final class Slot {
    Entry kept;
    boolean inUse;
  }

  private final Map<Integer, Slot> slots = new ConcurrentHashMap<>();
  private final AtomicInteger loads = new AtomicInteger();
  private final AtomicInteger reuses = new AtomicInteger();
  private final AtomicInteger idleClosed = new AtomicInteger();
  private final long idleNanos;
  private final ScheduledExecutorService sweeper;
  private volatile boolean closed;

  /** Kept encoders closed after {@link #DEFAULT_IDLE} unused. */
  public SlotEncoders() {
    this(DEFAULT_IDLE);
  }

  /**
   * Kept encoders closed after {@code idle} unused, looked for every quarter of it by a daemon
   * thread of this cache's own.
   */
  public SlotEncoders(Duration idle) {
    if (idle.isNegative() || idle.isZero()) {
      throw new IllegalArgumentException("idle time must be positive: " + idle);
    }
    this.idleNanos = idle.toNanos();
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "slot-encoders-idle");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(1, idleNanos / 4);
    // Nothing waits on it: close() shuts the executor down. A throw would cancel the schedule,
    // so a failed close is logged and the next look goes on.
    var unused =
        sweeper.scheduleWithFixedDelay(
            () -> {
              try {
                closeIdle(System.nanoTime());
              } catch (RuntimeException e) {
                log.warn("closing idle encoders failed; looking again later", e);
              }
            },
            every,
            every,
            TimeUnit.NANOSECONDS);
  }

  /**
   * The encoder of {@code key} on {@code slot}: the kept one when it is {@code key}'s, otherwise
   * the kept one closed and {@code load} called. Release it with {@link Held#close}
   * (try-with-resources) after {@link Held#keep} on success.
   *
   * @param slot the slot the caller leased
   * @param load opens the encoder (may heartbeat meanwhile); called only when none is kept
   */
  public Held acquire(DevicePool.Slot slot, Key key, Supplier<Encoder> load) {
    Slot s = slots.computeIfAbsent(slot.index(), i -> new Slot());
    Entry stale;
    synchronized (s) {
      if (closed || s.inUse) {
        // A shared pool's second holder, or a worker shutting down: an encoder of its own.
        return new Held(null, new Entry(key, loaded(slot, key, load)));
      }
      if (s.kept != null && s.kept.key.equals(key)) {
        // Checked out: the slot holds it again only if the holder's work succeeds.
        Entry reused = s.kept;
        s.kept = null;
        s.inUse = true;
        reuses.incrementAndGet();
        log.info("{}: reusing the encoder loaded on {}", key.spec().id(), slot.describe());
        return new Held(s, reused);
      }
      stale = s.kept;
      s.kept = null;
      s.inUse = true;
    }
    try {
      if (stale != null) {
        log.info(
            "{}: closing {} to load {}", slot.describe(), stale.key.spec().id(), key.spec().id());
        stale.encoder.close();
      }
      return new Held(s, new Entry(key, loaded(slot, key, load)));
    } catch (RuntimeException | Error e) {
      synchronized (s) {
        s.inUse = false;
      }
      throw e;
    }
  }

  private Encoder loaded(DevicePool.Slot slot, Key key, Supplier<Encoder> load) {
    Encoder encoder = load.get();
    loads.incrementAndGet();
    log.info("{}: loaded on {}", key.spec().id(), slot.describe());
    return encoder;
  }

  /**
   * Closes every kept encoder that went back to its slot more than the idle time before {@code now}
   * ({@link System#nanoTime}); returns how many. Called by the sweeper; encoders in use are not
   * kept, so never closed here.
   */
  int closeIdle(long now) {
    int n = 0;
    for (Map.Entry<Integer, Slot> e : slots.entrySet()) {
      Slot s = e.getValue();
      Entry idle;
      synchronized (s) {
        idle = s.kept != null && now - s.kept.keptSince > idleNanos ? s.kept : null;
        if (idle != null) {
          s.kept = null;
        }
      }
      if (idle != null) {
        log.info(
            "{}: closed on slot {}, unused for {} s",
            idle.key.spec().id(),
            e.getKey(),
            (now - idle.keptSince) / 1_000_000_000L);
        idle.encoder.close();
        idleClosed.incrementAndGet();
        n++;
      }
    }
    return n;
  }

  /** Kept encoders closed because they were not used within the idle time. */
  public int idleClosed() {
    return idleClosed.get();
  }

  /** Encoders loaded since this was made (each load a model read and moved to its device). */
  public int loads() {
    return loads.get();
  }

  /** Acquisitions served by a kept encoder, without a load. */
  public int reuses() {
    return reuses.get();
  }

  /** Closes every kept encoder; those in use are closed when released. */
  @Override
  public void close() {
    closed = true;
    sweeper.shutdownNow();
    for (Slot s : slots.values()) {
      Entry kept;
      synchronized (s) {
        kept = s.kept;
        s.kept = null;
      }
      if (kept != null) {
        kept.encoder.close();
      }
    }
  }

  /** One holder's use of an encoder; close it on every path out. */
  public final class Held implements AutoCloseable {
    /** The slot it goes back to; null: the holder's own, closed on release. */
    private final Slot slot;

    private final Entry entry;
    private boolean keep;
    private boolean released;

    private Held(Slot slot, Entry entry) {
      this.slot = slot;
      this.entry = entry;
    }

    public Encoder encoder() {
      return entry.encoder;
    }

    /**
     * The numerics canary's report at {@code batch}: the one found when this encoder was checked at
     * that batch size before, else {@code verify}'s (which throws when the numbers are wrong: then
     * nothing is remembered and, without {@link #keep}, the encoder is closed).
     */
    public NumericsCanary.Report canary(int batch, Supplier<NumericsCanary.Report> verify) {
      NumericsCanary.Report known;
      synchronized (entry) {
        known = entry.canaries.get(batch);
      }
      if (known != null) {
        return known;
      }
      NumericsCanary.Report report = verify.get();
      synchronized (entry) {
        entry.canaries.put(batch, report);
      }
      return report;
    }

    /** The work with it succeeded: it may go back to its slot for the next activity. */
    public void keep() {
      keep = true;
    }

    /** Back to its slot after {@link #keep}, closed otherwise (or when the cache is closed). */
    @Override
    public void close() {
      if (released) {
        return;
      }
      released = true;
      if (slot == null) {
        entry.encoder.close();
        return;
      }
      boolean kept;
      synchronized (slot) {
        slot.inUse = false;
        kept = keep && !closed;
        if (kept) {
          entry.keptSince = System.nanoTime();
          slot.kept = entry;
        }
      }
      if (!kept) {
        log.info(
            "{}: closed, not kept ({})",
            entry.key.spec().id(),
            keep ? "the worker is shutting down" : "its work failed");
        entry.encoder.close();
      }
    }
  }
}
