package io.labelcurve.worker;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.embed.ExtractionJob;
import io.labelcurve.activities.finetune.FinetuneConfig;
import java.util.Map;
import java.util.function.Function;

/**
 * The settings a worker process takes from its environment, read once where the process starts
 * ({@code labelcurve worker}, the embedded control plane) and passed to what needs them: no library
 * reads the environment itself, so that a test, a benchmark or another host sets them the same way.
 *
 * @param embedShardSize images per embedding shard ({@value #SHARD_SIZE_ENV}): what a killed worker
 *     loses at most, and one object in the bucket; part of what a cached set must match
 * @param finetuneCheckpointEvery steps between finetune checkpoints ({@value
 *     #CHECKPOINT_EVERY_ENV}, default about a minute of GPU steps)
 * @param finetuneMaxGradNorm the gradient-clipping norm of finetune cells ({@value
 *     #MAX_GRAD_NORM_ENV}; 0: no clipping; the HF Trainer's is 1.0)
 * @param cudaVisibleDevices {@code CUDA_VISIBLE_DEVICES} as the process got it (null: unset; empty
 *     hides every GPU), for the messages that say why a worker sees no GPU; libtorch reads the
 *     variable itself
 */
public record WorkerSettings(
    int embedShardSize,
    int finetuneCheckpointEvery,
    double finetuneMaxGradNorm,
    String cudaVisibleDevices) {

  public static final String SHARD_SIZE_ENV = "LABELCURVE_EMBED_SHARD_SIZE";
  public static final String CHECKPOINT_EVERY_ENV = "LABELCURVE_FINETUNE_CHECKPOINT_EVERY";
  public static final String MAX_GRAD_NORM_ENV = "LABELCURVE_FINETUNE_MAX_GRAD_NORM";
  public static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";

  /** Every setting at its default. */
  public static final WorkerSettings DEFAULTS =
      new WorkerSettings(
          ExtractionJob.DEFAULT_SHARD_SIZE,
          FinetuneConfig.DEFAULT_CHECKPOINT_EVERY,
          FinetuneConfig.DEFAULT_MAX_GRAD_NORM,
          null);

  public WorkerSettings {
    if (embedShardSize < 1) {
      throw new IllegalArgumentException(
          "embedding shard size must be >= 1, got " + embedShardSize);
    }
    if (finetuneCheckpointEvery < 1) {
      throw new IllegalArgumentException(
          "finetune checkpoint interval must be >= 1 step, got " + finetuneCheckpointEvery);
    }
    if (!(finetuneMaxGradNorm >= 0) || Double.isInfinite(finetuneMaxGradNorm)) {
      throw new IllegalArgumentException(
          "finetune max grad norm must be >= 0 (0: no clipping), got " + finetuneMaxGradNorm);
    }
  }

  /**
   * The settings of {@code env} (the process's {@code System.getenv()}), unset ones at their
   * defaults.
   *
   * @throws BadInputException naming the variable and its value when one is not what it must be: a
   *     worker that would run other than it says must not start (the CLI exits with 2)
   */
  public static WorkerSettings fromEnvironment(Map<String, String> env) {
    return new WorkerSettings(
        read(
            env,
            SHARD_SIZE_ENV,
            DEFAULTS.embedShardSize(),
            Integer::valueOf,
            "a positive integer (images per embedding shard)"),
        read(
            env,
            CHECKPOINT_EVERY_ENV,
            DEFAULTS.finetuneCheckpointEvery(),
            Integer::valueOf,
            "a positive number of steps"),
        read(
            env,
            MAX_GRAD_NORM_ENV,
            DEFAULTS.finetuneMaxGradNorm(),
            Double::valueOf,
            "a norm >= 0 (0: no clipping; the HF Trainer's is 1.0)"),
        env.get(CUDA_VISIBLE_DEVICES));
  }

  /** The same settings with another shard size (the worker's {@code --shard-size}). */
  public WorkerSettings withEmbedShardSize(int shardSize) {
    return new WorkerSettings(
        shardSize, finetuneCheckpointEvery, finetuneMaxGradNorm, cudaVisibleDevices);
  }

  /** The same settings with another checkpoint interval. */
  public WorkerSettings withFinetuneCheckpointEvery(int steps) {
    return new WorkerSettings(embedShardSize, steps, finetuneMaxGradNorm, cudaVisibleDevices);
  }

  private static <T extends Number> T read(
      Map<String, String> env,
      String name,
      T fallback,
      Function<String, T> parse,
      String expected) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      T value = parse.apply(v.trim());
      double d = value.doubleValue();
      boolean positiveOnly = value instanceof Integer;
      if (Double.isFinite(d) && (positiveOnly ? d >= 1 : d >= 0)) {
        return value;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new BadInputException(
        "environment variable " + name + " is '" + v + "'; expected " + expected);
  }

  /**
   * Why this process may see no GPU, as far as its environment tells: {@code CUDA_VISIBLE_DEVICES}
   * unset, empty (hides every GPU) or its value.
   */
  public String describeVisibleDevices() {
    if (cudaVisibleDevices == null) {
      return CUDA_VISIBLE_DEVICES + " unset (every GPU the driver has)";
    }
    return cudaVisibleDevices.isBlank()
        ? CUDA_VISIBLE_DEVICES + "=\"\" (hides every GPU)"
        : CUDA_VISIBLE_DEVICES + "=" + cudaVisibleDevices;
  }
}
