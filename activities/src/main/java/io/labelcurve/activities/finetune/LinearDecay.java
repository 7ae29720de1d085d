package io.labelcurve.activities.finetune;

import ai.djl.training.tracker.Tracker;

/**
 * The HF Trainer's default schedule ({@code get_linear_schedule_with_warmup} with no warm-up): the
 * learning rate of update {@code k} (0-based) is {@code lr × (total − k) / total}, so the first
 * update uses {@code lr} and the rate reaches 0 after the last one.
 */
public final class LinearDecay implements Tracker {
  private final float base;
  private final long total;

  public LinearDecay(double base, long totalUpdates) {
    if (totalUpdates < 1) {
      throw new IllegalArgumentException("total updates must be >= 1, got " + totalUpdates);
    }
    this.base = (float) base;
    this.total = totalUpdates;
  }

  /**
   * @param numUpdate updates done before this one (0 for the first)
   */
  @Override
  public float getNewValue(int numUpdate) {
    long left = Math.max(0, total - numUpdate);
    return (float) (base * (double) left / total);
  }
}
