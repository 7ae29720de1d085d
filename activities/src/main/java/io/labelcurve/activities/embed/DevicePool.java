package io.labelcurve.activities.embed;

import ai.djl.Device;
import io.labelcurve.activities.torch.TorchRuntime;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The accelerators of one worker process, handed out one per running activity: with N GPUs and N
 * GPU-queue slots every extraction has a GPU of its own. Without a GPU (the CPU build of libtorch,
 * or no device visible) the pool is the CPU, shared.
 */
public final class DevicePool {
  private final List<Device> devices;
  private final BlockingQueue<Device> free;
  private final boolean shared;

  private DevicePool(List<Device> devices, boolean shared) {
    this.devices = List.copyOf(devices);
    this.shared = shared;
    this.free = new ArrayBlockingQueue<>(devices.size(), true, devices);
    this.freeSlots = new ArrayBlockingQueue<>(devices.size(), true);
    for (int i = 0; i < devices.size(); i++) {
      freeSlots.add(i);
    }
  }

  /** Exactly these devices, one activity each. */
  public static DevicePool of(List<Device> devices) {
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("no devices");
    }
    return new DevicePool(devices, false);
  }

  /** One device shared by every activity (the CPU, or a device chosen by the caller). */
  public static DevicePool shared(Device device) {
    return new DevicePool(List.of(device), true);
  }

  /**
   * The first {@code max} GPUs the engine sees (CUDA build of libtorch, see docs/GPU.md), or the
   * shared CPU when it sees none.
   */
  public static DevicePool detect(int max) {
    int gpus = Math.min(max, TorchRuntime.engine().getGpuCount());
    if (gpus <= 0) {
      return shared(Device.cpu());
    }
    Device[] d = new Device[gpus];
    for (int i = 0; i < gpus; i++) {
      d[i] = Device.gpu(i);
    }
    return of(List.of(d));
  }

  /**
   * Another pool over the same slots, handed out apart from this one: the extraction queue's, so
   * that an extraction never waits for a slot a finetune cell holds.
   */
  public DevicePool twin() {
    return new DevicePool(devices, shared);
  }

  public List<Device> devices() {
    return devices;
  }

  /** A device for one activity; waits while every GPU is taken. */
  public Device acquire() throws InterruptedException {
    return shared ? devices.get(0) : free.take();
  }

  public void release(Device device) {
    if (!shared) {
      free.add(device);
    }
  }

  /**
   * One device slot (the same record as the devices work's {@code device.DevicePool.Slot}).
   *
   * @param index the slot's number in its pool, 0-based
   * @param of how many slots the pool has
   * @param device the DJL device an activity in this slot runs on
   */
  public record Slot(int index, int of, Device device) {
    /** What provenance records: e.g. {@code gpu(1) slot 1 of 4}, {@code cpu() slot 0 of 2}. */
    public String describe() {
      return device + " slot " + index + " of " + of;
    }
  }

  /** One activity's hold on a slot; closing it gives the slot back (once). */
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

    @Override
    public synchronized void close() {
      if (!closed && !shared) {
        freeSlots.add(slot.index());
      }
      closed = true;
    }
  }

  /** Slot numbers free now: devices may be equal (CPU slots), the number tells them apart. */
  private final BlockingQueue<Integer> freeSlots;

  /**
   * A slot for one activity, in a try-with-resources block; waits while every slot is taken. Slots
   * are counted apart from {@link #acquire}: a pool is used either way, not both.
   */
  public Lease lease() throws java.io.InterruptedIOException {
    if (shared) {
      return new Lease(new Slot(0, 1, devices.get(0)));
    }
    try {
      int i = freeSlots.take();
      return new Lease(new Slot(i, devices.size(), devices.get(i)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for a device slot");
    }
  }

  @Override
  public String toString() {
    return devices + (shared ? " (shared)" : " (one activity each)");
  }
}
