package io.labelcurve.activities.svm;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * The rows {@code [0, n)} cut into chunks of a fixed number of rows, and a way to run a body on
 * every chunk on the trainer's threads.
 *
 * <p>Determinism: chunk boundaries depend only on {@code n} and {@code chunkRows}, never on the
 * thread count, and callers keep one partial result per chunk and add the partials up in chunk
 * order afterwards. Every floating-point sum is therefore done in the same order with 1 thread or
 * 64, and the trained model is bit-identical.
 */
final class RowChunks {
  /**
   * Rows per chunk: large enough that a chunk's work (1,024 rows × d multiply-adds, twice) dwarfs
   * scheduling a task, small enough that 2.9 M rows give ~2,800 chunks to balance over any number
   * of cores.
   */
  static final int DEFAULT_CHUNK_ROWS = 1024;

  final int n;
  final int chunkRows;
  final int count;

  /** null: run every chunk in the calling thread. */
  private final ForkJoinPool pool;

  RowChunks(int n, int chunkRows, ForkJoinPool pool) {
    if (chunkRows <= 0) {
      throw new IllegalArgumentException("chunkRows must be positive, got " + chunkRows);
    }
    this.n = n;
    this.chunkRows = chunkRows;
    this.count = (int) (((long) n + chunkRows - 1) / chunkRows);
    this.pool = pool;
  }

  int start(int chunk) {
    return chunk * chunkRows;
  }

  int end(int chunk) {
    return (int) Math.min(n, (long) (chunk + 1) * chunkRows);
  }

  /** Runs {@code body.accept(chunk)} once for every chunk, in any order and on any thread. */
  void forEach(IntConsumer body) {
    if (pool == null || count == 1) {
      for (int c = 0; c < count; c++) {
        body.accept(c);
      }
      return;
    }
    Range all = new Range(0, count, body);
    if (ForkJoinTask.getPool() == pool) {
      // Called from a binary problem that itself runs on the pool: fork into it, and this thread
      // works on chunks while it waits instead of blocking a pool thread.
      all.invoke();
    } else {
      pool.invoke(all);
    }
  }

  private static final class Range extends RecursiveAction {
    private final int lo;
    private final int hi;
    private final IntConsumer body;

    Range(int lo, int hi, IntConsumer body) {
      this.lo = lo;
      this.hi = hi;
      this.body = body;
    }

    @Override
    protected void compute() {
      if (hi - lo == 1) {
        body.accept(lo);
        return;
      }
      int mid = (lo + hi) >>> 1;
      invokeAll(new Range(lo, mid, body), new Range(mid, hi, body));
    }
  }
}
