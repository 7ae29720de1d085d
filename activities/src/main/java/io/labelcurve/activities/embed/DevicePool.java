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

  @Override
  public String toString() {
    return devices + (shared ? " (shared)" : " (one activity each)");
  }
}
