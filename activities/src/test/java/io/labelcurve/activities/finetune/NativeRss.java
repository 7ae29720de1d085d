package io.labelcurve.activities.finetune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Resident memory of this process outside the Java heap, from {@code /proc/self/smaps}.
 *
 * <p>Whole-process RSS cannot tell a native leak from the JVM touching heap pages it committed
 * earlier: a 100-step run of the tiny fixture grows VmRSS by ~110 MB while young-generation regions
 * are first written, then stays flat. libtorch allocates with malloc/mmap outside the heap, so the
 * heap's own mapping is left out here. The heap is the one run of adjacent anonymous mappings
 * (committed {@code rw-p} followed by reserved {@code ---p}) that spans at least 90% of {@link
 * Runtime#maxMemory()}.
 */
final class NativeRss {
  private NativeRss() {}

  /** Kibibytes resident outside the Java heap; -1 where smaps or the heap run cannot be found. */
  static long kib() {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/self/smaps"));
    } catch (IOException | UnsupportedOperationException e) {
      return -1;
    }
    long heapKib = (long) (Runtime.getRuntime().maxMemory() / 1024.0 * 0.9);
    long total = 0;
    long runStart = -1;
    long runEnd = -1;
    long runRss = 0;
    long heapRss = -1;
    long start = 0;
    long end = 0;
    boolean anonymous = false;
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 5 && f[0].matches("[0-9a-f]+-[0-9a-f]+")) {
        String[] range = f[0].split("-");
        start = Long.parseUnsignedLong(range[0], 16);
        end = Long.parseUnsignedLong(range[1], 16);
        anonymous = f.length == 5;
        if (!anonymous || start != runEnd) {
          if (runStart >= 0 && (runEnd - runStart) / 1024 >= heapKib) {
            heapRss = runRss;
          }
          runStart = anonymous ? start : -1;
          runRss = 0;
        }
        runEnd = anonymous ? end : -1;
      } else if (line.startsWith("Rss:")) {
        long kib = Long.parseLong(f[1]);
        total += kib;
        if (anonymous) {
          runRss += kib;
        }
      }
    }
    if (runStart >= 0 && (runEnd - runStart) / 1024 >= heapKib) {
      heapRss = runRss;
    }
    return heapRss < 0 ? -1 : total - heapRss;
  }
}
