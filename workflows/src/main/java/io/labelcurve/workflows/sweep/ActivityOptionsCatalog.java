package io.labelcurve.workflows.sweep;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Timeouts and retries of every activity, in one place, each with its reason. A failure of type
 * {@code BadInput} is never retried: the user has to change something.
 */
final class ActivityOptionsCatalog {
  static final String BAD_INPUT = "BadInput";
  static final String CPU_QUEUE = "labelcurve-cpu";
  static final String GPU_QUEUE = "labelcurve-gpu";

  private ActivityOptionsCatalog() {}

  /**
   * Dataset preparation reads the manifest and hashes every image: seconds for a demo, tens of
   * minutes for a paper-sized dataset read from S3. It has no resumable position, so a lost worker
   * is found by the start-to-close timeout; three attempts ride out a flaky bucket.
   */
  static ActivityOptions dataset() {
    return ActivityOptions.newBuilder()
        .setTaskQueue(CPU_QUEUE)
        .setStartToCloseTimeout(Duration.ofHours(2))
        .setRetryOptions(RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(2))
            .setMaximumAttempts(3)
            .setDoNotRetry(BAD_INPUT)
            .build())
        .build();
  }

  /**
   * Embedding extraction is the longest job (the paper's pool is 2.9 million images per model).
   * It heartbeats after every shard, so a killed worker is noticed after the heartbeat timeout, not
   * after hours, and the retry resumes after the last finished shard. Start-to-close only caps a
   * runaway attempt. No schedule-to-start limit: a job may wait for a free GPU as long as it takes.
   */
  static ActivityOptions embedding() {
    return ActivityOptions.newBuilder()
        .setTaskQueue(GPU_QUEUE)
        .setStartToCloseTimeout(Duration.ofHours(24))
        // The extraction heartbeats after every encoder batch (same shard position) as well as
        // after every shard, so this must cover one batch, not a whole shard (docs/BENCHMARKS.md,
        // 2 shared CPU cores: ResNet-50 at 224 px 2.9-3.9 images/s, so a cpu-small batch of 16
        // takes a few seconds and a paper batch of 64 about 20 s; a ViT-B, ~4x the FLOPs, needs
        // about 80 s for 64 on such a CPU: run the paper preset on GPUs or bigger CPUs). 60 s
        // finds a killed worker within a minute; the retry resumes after the last shard.
        .setHeartbeatTimeout(Duration.ofSeconds(60))
        .setRetryOptions(RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(5))
            .setBackoffCoefficient(2)
            .setMaximumInterval(Duration.ofMinutes(5))
            .setMaximumAttempts(20)
            .setDoNotRetry(BAD_INPUT)
            .build())
        .build();
  }

  /**
   * A probe cell loads embeddings, trains the SVM and evaluates: seconds to minutes (100k x 768
   * trains in minutes on a few cores). It is idempotent (a finished cell is read back), so a few
   * retries are safe; it heartbeats so that a lost worker is seen quickly. Cells run in a detached
   * scope: a cancelled sweep starts no new cell and waits for those in flight, so that its
   * results.csv is written after its last cell file, not before.
   */
  static ActivityOptions probeCell() {
    return ActivityOptions.newBuilder()
        .setTaskQueue(CPU_QUEUE)
        .setStartToCloseTimeout(Duration.ofHours(2))
        .setHeartbeatTimeout(Duration.ofMinutes(10))
        .setRetryOptions(RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(2))
            .setBackoffCoefficient(2)
            .setMaximumAttempts(3)
            .setDoNotRetry(BAD_INPUT)
            .build())
        .build();
  }

  /** Writing spec.json and results.csv reads and writes small objects: a minute is plenty. */
  static ActivityOptions results() {
    return ActivityOptions.newBuilder()
        .setTaskQueue(CPU_QUEUE)
        .setStartToCloseTimeout(Duration.ofMinutes(30))
        .setRetryOptions(RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(2))
            .setMaximumAttempts(5)
            .setDoNotRetry(BAD_INPUT)
            .build())
        .build();
  }

  /**
   * A finetune cell trains a whole encoder: minutes on a GPU, up to hours for the paper's largest
   * models and subsets. It heartbeats at every step with the URI of its newest checkpoint, so a
   * killed worker is noticed after the heartbeat timeout (longer than the slowest step, model
   * loading included) and the retry continues from that checkpoint. Training is idempotent per
   * checkpoint, so retries are safe; a model that cannot be finetuned fails as BadInput.
   */
  static ActivityOptions finetuneCell() {
    return ActivityOptions.newBuilder()
        .setTaskQueue(GPU_QUEUE)
        .setStartToCloseTimeout(Duration.ofHours(48))
        // The trainer heartbeats at every step (a CPU step of mobilenet took ~5.5 s under load);
        // loading the model comes before the first heartbeat and takes seconds. 2 minutes leaves
        // ample room and lets a killed worker's retry start soon (KilledFinetuneWorkerTest). A
        // drained worker's attempt does not wait for it: it checkpoints and fails at once with a
        // WorkerShutdown failure whose own 15 s retry delay replaces the backoff below
        // (DrainedFinetuneWorkerTest).
        .setHeartbeatTimeout(Duration.ofMinutes(2))
        .setRetryOptions(RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(10))
            .setBackoffCoefficient(2)
            .setMaximumInterval(Duration.ofMinutes(5))
            .setMaximumAttempts(10)
            .setDoNotRetry(BAD_INPUT)
            .build())
        .build();
  }
}
