package io.labelcurve.activities.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW as PyTorch's {@code torch.optim.AdamW} (the HF Trainer's default optimiser): decoupled
 * weight decay, then {@code m ← β1 m + (1 − β1) g}, {@code v ← β2 v + (1 − β2) g²}, {@code w ← w −
 * (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)}.
 *
 * <p>Why not DJL's {@code Optimizer.adamW()}: it keeps its moment arrays and per-parameter update
 * counts in private maps that cannot be written or restored, so a resumed run would restart the
 * moments and the bias correction and not continue the same trajectory. Here the state is explicit
 * — one {@code m} and one {@code v} per trainable parameter, in a manager of their own, plus the
 * step — and {@link #state()} / {@link #restore} move it in and out of a checkpoint. The learning
 * rate comes from a DJL {@link Tracker} ({@link LinearDecay}).
 *
 * <p>Before each update the gradients are clipped to a total L2 norm of at most {@code
 * maxGradNorm}, as the HF Trainer does by default ({@code max_grad_norm=1.0}, through {@code
 * torch.nn.utils.clip_grad_norm_}): with {@code total = ‖(‖g_1‖, …, ‖g_n‖)‖}, every gradient is
 * multiplied by {@code maxGradNorm / (total + 1e-6)} when that is below 1. A {@code maxGradNorm} of
 * 0 clips nothing.
 *
 * <p>Not thread-safe: the training thread owns it.
 */
public final class AdamW implements AutoCloseable {
  /** The HF Trainer's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0. */
  public static final double BETA1 = 0.9;

  public static final double BETA2 = 0.999;
  public static final double EPSILON = 1e-8;
  public static final double WEIGHT_DECAY = 0.0;

  /** {@code torch.nn.utils.clip_grad_norm_}'s guard against a zero norm. */
  public static final double CLIP_EPSILON = 1e-6;

  private final Tracker learningRate;
  private final double weightDecay;
  private final double maxGradNorm;
  private final NDManager manager;
  private final List<NDArray> weights;
  private final List<NDArray> m = new ArrayList<>();
  private final List<NDArray> v = new ArrayList<>();
  private long step;
  private double lastGradNorm = Double.NaN;

  /**
   * @param weights the trainable parameters' arrays, in a fixed order (the checkpoint's)
   * @param maxGradNorm the largest total gradient norm an update uses (0: no clipping)
   * @param manager a manager for the moments (closed with this optimiser)
   */
  public AdamW(
      List<NDArray> weights,
      Tracker learningRate,
      double weightDecay,
      double maxGradNorm,
      NDManager manager) {
    if (!(maxGradNorm >= 0)) {
      throw new IllegalArgumentException(
          "maxGradNorm must be >= 0 (0: no clipping), got " + maxGradNorm);
    }
    this.weights = List.copyOf(weights);
    this.learningRate = learningRate;
    this.weightDecay = weightDecay;
    this.maxGradNorm = maxGradNorm;
    this.manager = manager;
    for (NDArray w : this.weights) {
      m.add(manager.zeros(w.getShape(), w.getDataType()));
      v.add(manager.zeros(w.getShape(), w.getDataType()));
    }
  }

  /** Updates done so far. */
  public long step() {
    return step;
  }

  /** The total gradient norm of the last update, before clipping (NaN before the first). */
  public double lastGradNorm() {
    return lastGradNorm;
  }

  /** The learning rate the next update uses. */
  public double nextLearningRate() {
    return learningRate.getNewValue(Math.toIntExact(step));
  }

  /**
   * One update from the gradients the last backward pass left on the weights; the gradients are
   * zeroed afterwards. Temporaries live in {@code scratch}, which the caller closes.
   */
  public void update(NDManager scratch) {
    double lr = nextLearningRate();
    step++;
    double bc1 = 1 - Math.pow(BETA1, (double) step);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(BETA2, (double) step));
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false); // in-place updates of leaves that require grad
    try {
      List<NDArray> grads = new ArrayList<>(weights.size());
      for (NDArray w : weights) {
        NDArray g = w.getGradient();
        g.attach(scratch);
        grads.add(g);
      }
      double clip = clipFactor(grads);
      for (int i = 0; i < weights.size(); i++) {
        NDArray w = weights.get(i);
        NDArray g = grads.get(i);
        if (clip < 1) {
          g = g.mul(clip);
        }
        if (weightDecay != 0) {
          w.muli(1 - lr * weightDecay);
        }
        m.get(i).muli(BETA1).addi(g.mul(1 - BETA1));
        v.get(i).muli(BETA2).addi(g.square().muli(1 - BETA2));
        NDArray denom = v.get(i).sqrt();
        denom.attach(scratch);
        denom.divi(bc2Sqrt).addi(EPSILON);
        NDArray delta = m.get(i).div(denom);
        delta.attach(scratch);
        w.subi(delta.muli(lr / bc1));
        JniUtils.zeroGrad((PtNDArray) w);
      }
    } finally {
      JniUtils.setGradMode(grad);
    }
  }

  /**
   * The factor the gradients are multiplied by: {@code maxGradNorm / (total + 1e-6)} capped at 1,
   * as {@code clip_grad_norm_} computes it (each gradient's norm in float32, then the norm of those
   * norms).
   */
  private double clipFactor(List<NDArray> grads) {
    double sumSquares = 0;
    for (NDArray g : grads) {
      float norm = g.norm().getFloat();
      sumSquares += (double) norm * norm;
    }
    lastGradNorm = (float) Math.sqrt(sumSquares);
    if (maxGradNorm == 0) {
      return 1;
    }
    return Math.min(1, (float) (maxGradNorm / (lastGradNorm + CLIP_EPSILON)));
  }

  /** The moments, {@code m} of every weight then {@code v} of every weight (views, not copies). */
  public NDList state() {
    NDList s = new NDList(2 * weights.size());
    s.addAll(m);
    s.addAll(v);
    return s;
  }

  /** Restores the moments written by {@link #state()} and the step count. */
  public void restore(NDList state, long steps) {
    if (state.size() != 2 * weights.size()) {
      throw new IllegalArgumentException(
          "optimizer state has " + state.size() + " arrays, expected " + 2 * weights.size());
    }
    for (int i = 0; i < weights.size(); i++) {
      copy(state.get(i), m.get(i));
      copy(state.get(weights.size() + i), v.get(i));
    }
    this.step = steps;
  }

  static void copy(NDArray from, NDArray to) {
    if (!from.getShape().equals(to.getShape()) || from.getDataType() != to.getDataType()) {
      throw new IllegalArgumentException(
          "array of shape "
              + from.getShape()
              + " "
              + from.getDataType()
              + " does not fit "
              + to.getShape()
              + " "
              + to.getDataType());
    }
    to.set(from.toByteBuffer());
  }

  @Override
  public void close() {
    manager.close();
  }
}
