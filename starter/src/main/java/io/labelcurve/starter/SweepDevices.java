package io.labelcurve.starter;

import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.activities.store.SweepStore;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a sweep's finished finetune cells ran, from what each cell's worker wrote into the cell's
 * record (its provenance {@code device} and {@code host}) after it ran: not what a worker was told
 * or claims at start, but what the cell actually used. A finetune cell polls the GPU queue; one
 * that ran on {@code cpu()} was taken by a worker without a GPU (the CPU fallback of a worker
 * started without {@code --require-gpu}, docs/GPU.md).
 *
 * @param finetuneCells finished finetune cells read
 * @param perDevice device (as DJL names it: {@code gpu(0)}, {@code cpu()}) → cells
 * @param cpuHosts the hosts whose workers ran finetune cells on the CPU
 */
record SweepDevices(int finetuneCells, Map<String, Integer> perDevice, SortedSet<String> cpuHosts) {

  /** The segment every finetune cell id has ({@code Cell.idOf}). */
  private static final String FINETUNE = ".finetune.";

  static SweepDevices of(BlobStore store, String sweepId) throws IOException {
    SweepStore sweep = new SweepStore(store, sweepId);
    String prefix = sweep.cellsPrefix();
    Map<String, Integer> perDevice = new TreeMap<>();
    SortedSet<String> cpuHosts = new TreeSet<>();
    int n = 0;
    for (String key : store.list(prefix)) {
      if (!key.endsWith(".json") || !key.substring(prefix.length()).contains(FINETUNE)) {
        continue;
      }
      String cellId = key.substring(prefix.length(), key.length() - ".json".length());
      Optional<CellRecord> record = sweep.readCell(cellId);
      if (record.isEmpty()) {
        continue;
      }
      CellRecord r = record.get();
      Map<String, String> p = r.provenance() == null ? Map.of() : r.provenance();
      String device = p.getOrDefault("device", "unrecorded");
      perDevice.merge(device, 1, Integer::sum);
      if (device.startsWith("cpu")) {
        cpuHosts.add(p.getOrDefault("host", "unknown host"));
      }
      n++;
    }
    return new SweepDevices(n, perDevice, cpuHosts);
  }

  int onCpu() {
    return perDevice.entrySet().stream()
        .filter(e -> e.getKey().startsWith("cpu"))
        .mapToInt(Map.Entry::getValue)
        .sum();
  }

  /** One line for {@code sweep status}; empty when no finetune cell has finished. */
  String line() {
    if (finetuneCells == 0) {
      return "";
    }
    StringBuilder s = new StringBuilder("devices of the ");
    s.append(finetuneCells).append(" finished finetune cells (their provenance): ");
    s.append(
        String.join(
            ", ",
            perDevice.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()));
    int cpu = onCpu();
    if (cpu > 0) {
      s.append("\n  ")
          .append(cpu)
          .append(" ran on the CPU though finetuning polls the GPU queue: workers on ")
          .append(String.join(", ", cpuHosts))
          .append(" found no GPU (start GPU workers with --require-gpu; docs/GPU.md)");
    }
    return s.toString();
  }

  Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("finetune_cells", finetuneCells);
    m.put("per_device", perDevice);
    m.put("on_cpu", onCpu());
    m.put("cpu_hosts", cpuHosts);
    return m;
  }
}
