package io.labelcurve.activities.device;

import ai.djl.Device;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The device slots of one worker process, handed out one per running activity: with N GPUs every
 * GPU-queue activity (an extraction, a finetune cell) has a GPU of its own. Without a GPU the slots
 * are on the CPU: N slots still mean N activities at once, each with a slot of its own, so that the
 * same code path (and the same provenance) runs on a GPU-less machine; {@link #shared} is one CPU
 * slot that any number of activities use at once (benchmarks, tools).
 *
 * <p>Take a slot with {@link #lease()} in a try-with-resources block: it goes back to the pool on
 * every path out of the activity (success, failure, cancellation, a worker's drain).
 */
public final class DevicePool {
  private final List<Slot> slots;
  private final BlockingQueue<Slot> free;
  private final boolean shared;
  private final Set<Integer> leased = ConcurrentHashMap.newKeySet();
  private final AtomicInteger peakLeased = new AtomicInteger();

  /**
   * One device slot.
   *
   * @param index the slot's number in its pool, 0-based
   * @param of how many slots the pool has
   * @param device the DJL device an activity in this slot runs on ({@code gpu(i)} or {@code cpu()})
   */
  public record Slot(int index, int of, Device device) {
    /** Whether the slot is a GPU. */
    public boolean isGpu() {
      return device.isGpu();
    }

    /**
     * The device as the metrics name it: {@code cuda:N} for a GPU, {@code cpu} for the CPU (the
     * {@code LabelcurveGpuWorkerOnCpu} alert matches it).
     */
    public String metricLabel() {
      return isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
    }

    /**
     * What a result's provenance records: the device and which slot of how many, e.g. {@code gpu(1)
     * slot 1 of 4} or {@code cpu() slot 0 of 2}.
     */
    public String describe() {
      return device + " slot " + index + " of " + of;
    }
  }

  private DevicePool(List<Device> devices, boolean shared) {
    List<Slot> s = new ArrayList<>(devices.size());
    for (int i = 0; i < devices.size(); i++) {
      s.add(new Slot(i, devices.size(), devices.get(i)));
    }
    this.slots = List.copyOf(s);
    this.shared = shared;
    // Fair: the activity that waited longest gets the next free slot.
    this.free = new ArrayBlockingQueue<>(s.size(), true, s);
  }

  /** Exactly these devices, one activity each. */
  public static DevicePool of(List<Device> devices) {
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("no devices");
    }
    return new DevicePool(devices, false);
  }

  /** GPUs 0 … n-1 (as the process sees them: {@code CUDA_VISIBLE_DEVICES} renumbers), one each. */
  public static DevicePool gpus(int n) {
    requirePositive(n);
    List<Device> d = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      d.add(Device.gpu(i));
    }
    return of(d);
  }

  /**
   * {@code n} slots on the CPU, one activity each: a GPU-less worker keeps its GPU-queue
   * concurrency, and a test can stand CPU slots in for GPUs. (libtorch knows one CPU device, so
   * every slot's device is {@code cpu()}; the slot number tells them apart.)
   */
  public static DevicePool cpuSlots(int n) {
    requirePositive(n);
    List<Device> d = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      d.add(Device.cpu());
    }
    return of(d);
  }

  /** One device shared by every activity at once (tools and benchmarks, not workers). */
  public static DevicePool shared(Device device) {
    return new DevicePool(List.of(device), true);
  }

  /**
   * The pool of a worker asked for {@code requested} slots: that many GPUs when libtorch sees at
   * least that many, {@code requested} CPU slots when it sees none.
   *
   * @throws IllegalStateException when it sees some GPUs but fewer than requested: a worker must
   *     not silently run two activities on one GPU nor leave one idle
   */
  public static DevicePool forWorker(int requested, GpuDetection detection) {
    requirePositive(requested);
    int gpus = detection.gpus();
    if (gpus <= 0) {
      return cpuSlots(requested);
    }
    if (gpus < requested) {
      throw new IllegalStateException(
          "--gpus "
              + requested
              + " but libtorch sees "
              + gpus
              + " GPU(s) ("
              + detection.describe()
              + ")");
    }
    return gpus(requested);
  }

  private static void requirePositive(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("a device pool needs at least 1 slot, got " + n);
    }
  }

  /**
   * Another pool over the same slots, leased apart from this one: a second kind of GPU work (the
   * extraction queue's) that must never wait for a slot the first kind holds for hours. A device
   * then runs at most one activity of each kind.
   */
  public DevicePool twin() {
    return new DevicePool(slots.stream().map(Slot::device).toList(), shared);
  }

  public List<Slot> slots() {
    return slots;
  }

  /** The distinct devices of the slots, in slot order. */
  public List<Device> devices() {
    return slots.stream().map(Slot::device).distinct().toList();
  }

  /** Whether every slot is on the CPU. */
  public boolean onCpu() {
    return slots.stream().noneMatch(Slot::isGpu);
  }

  /** Slots handed out now. */
  public int leased() {
    return shared ? 0 : leased.size();
  }

  /** The most slots that were ever handed out at once. */
  public int peakLeased() {
    return peakLeased.get();
  }

  /**
   * A slot for one activity, back in the pool when the lease is closed; waits while every slot is
   * taken.
   *
   * @throws InterruptedIOException when the thread is interrupted while waiting (a worker's {@code
   *     shutdownNow}, a cancelled activity): the interrupt flag is set again
   */
  public Lease lease() throws InterruptedIOException {
    if (shared) {
      return new Lease(slots.get(0));
    }
    Slot slot;
    try {
      slot = free.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a device slot of " + this);
    }
    leased.add(slot.index());
    peakLeased.accumulateAndGet(leased.size(), Math::max);
    return new Lease(slot);
  }

  /** One activity's hold on a slot. */
  public final class Lease implements AutoCloseable {
    private final Slot slot;
    private boolean closed;

    private Lease(Slot slot) {
      this.slot = slot;
    }

    public Slot slot() {
      return slot;
    }

    public Device device() {
      return slot.device();
    }

    /** Gives the slot back (once; later calls do nothing). */
    @Override
    public synchronized void close() {
      if (closed || shared) {
        closed = true;
        return;
      }
      closed = true;
      leased.remove(slot.index());
      free.add(slot);
    }
  }

  @Override
  public String toString() {
    if (shared) {
      return slots.get(0).device() + " (shared)";
    }
    return slots.size()
        + " slot(s) on "
        + slots.stream().map(s -> String.valueOf(s.device())).toList()
        + " (one activity each)";
  }
}
