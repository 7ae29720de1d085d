package io.labelcurve.activities.importer;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place (at most ten times a second); silent without a stream.
 */
final class ProgressBar {
  private static final int WIDTH = 30;
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintStream out;
  private final int total;
  private final long start = System.nanoTime();
  private int done;
  private int refused;
  private int frames;
  private long lastDraw;

  ProgressBar(PrintStream out, int total) {
    this.out = out;
    this.total = total;
  }

  synchronized void step(int newFrames, boolean wasRefused) {
    done++;
    frames += newFrames;
    if (wasRefused) {
      refused++;
    }
    long now = System.nanoTime();
    if (out != null && (now - lastDraw > REDRAW_NANOS || done == total)) {
      lastDraw = now;
      draw(now);
    }
  }

  private void draw(long now) {
    int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
    double seconds = (now - start) / 1e9;
    out.printf(
        Locale.ROOT,
        "\r[%s%s] %d/%d sequences, %d frames, %d refused, %.1f s",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        done,
        total,
        frames,
        refused,
        seconds);
    out.flush();
  }

  synchronized void finish() {
    if (out != null) {
      draw(System.nanoTime());
      out.println();
    }
  }
}
