package io.labelcurve.workflows.sweep;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Timeouts and retries of every activity, in one place, each with its reason. A failure of type
 * {@code BadInput} is never retried: the user has to change something.
 *
 * <p>Activities that need only the bucket (dataset preparation, probe cells, bookkeeping) are
 * retried for a time, not a number of attempts: a multi-day sweep must ride out an S3 restart or
 * outage of {@value #OUTAGE_MINUTES} minutes and more (issue 13: five attempts from 2 s gave up
 * within half a minute and failed a whole model). Each has a schedule-to-close budget and no
 * attempt limit, with backoff capped at {@link #MAX_BACKOFF}, so an outage costs at most that long
 * after it ends. A failure of type {@code BadInput} or {@code NumericsCheckFailed} is non-retryable
 * where it is raised, so bad input still fails at once.
 */
final class ActivityOptionsCatalog {
  static final String BAD_INPUT = "BadInput";
  static final String CPU_QUEUE = "labelcurve-cpu";
  static final String GPU_QUEUE = "labelcurve-gpu";

  /** The S3 outage every bucket-only activity must survive (issue 13). */
  static final int OUTAGE_MINUTES = 15;

  /** Longest wait between two attempts during an outage: the delay after the bucket is back. */
  static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

  private ActivityOptionsCatalog() {}

  /** Retries for {@code budget}, backing off from {@code first} to {@link #MAX_BACKOFF}. */
  private static RetryOptions untilBudget(Duration first) {
    return RetryOptions.newBuilder()
        .setInitialInterval(first)
        .setBackoffCoefficient(2)
        .setMaximumInterval(MAX_BACKOFF)
        .setMaximumAttempts(0) // unlimited: the schedule-to-close budget ends the retries
        .setDoNotRetry(BAD_INPUT)
        .build();
  }

  /**
   * Dataset preparation reads the manifest and hashes every image: seconds for a demo, tens of
   * minutes for a paper-sized dataset read from S3. It has no resumable position; it heartbeats
   * from a background thread (BackgroundHeartbeat, every 10 s), so a lost worker is found within
   * the 2-minute heartbeat timeout, not the 2-hour start-to-close. It runs in the sweep workflow
   * itself, so giving up fails the whole sweep: retried for 6 hours (an S3 outage during
   * validation, then the validation again), with a bad manifest failing at once as BadInput.
   */
  static ActivityOptions dataset() {
    return ActivityOptions.newBuilder()
        .setTaskQueue(CPU_QUEUE)
        .setStartToCloseTimeout(Duration.ofHours(2))
        .setHeartbeatTimeout(Duration.ofMinutes(2))
        .setScheduleToCloseTimeout(Duration.ofHours(6))
        .setRetryOptions(untilBudget(Duration.ofSeconds(2)))
        .build();
  }

  /**
   * Embedding extraction is the longest job (the paper's pool is 2.9 million images per model). It
   * heartbeats after every shard, so a killed worker is noticed after the heartbeat timeout, not
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
        .setRetryOptions(
            RetryOptions.newBuilder()
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
   * trains in minutes on a few cores). It is idempotent (a finished cell is read back), so retries
   * are safe; it heartbeats so that a lost worker is seen quickly. Cells run in a detached scope: a
   * cancelled sweep starts no new cell and waits for those in flight, so that its results.csv is
   * written after its last cell file, not before.
   */
  static ActivityOptions probeCell() {
    return ActivityOptions.newBuilder()
        .setTaskQueue(CPU_QUEUE)
        .setStartToCloseTimeout(Duration.ofHours(2))
        // The cell heartbeats from a background thread every 10 s while it reads embeddings,
        // trains and evaluates (BackgroundHeartbeat), so 2 minutes find a dead worker soon
        // without capping how long the SVM may train (before, one heartbeat before training
        // made this timeout the SVM's limit).
        .setHeartbeatTimeout(Duration.ofMinutes(2))
        // A cell needs only the bucket and the CPU: an outage of the bucket must not fail it.
        // 4 hours covers two full-length attempts and the outage; a cell that keeps failing for
        // another reason is failed then (and listed for 'sweep rerun').
        .setScheduleToCloseTimeout(Duration.ofHours(4))
        .setRetryOptions(untilBudget(Duration.ofSeconds(2)))
        .build();
  }

  /**
   * Writing spec.json, the failure lists, results.csv and the report reads and writes small
   * objects: minutes at most for an attempt. A model workflow fails when one of them gives up, so
   * they are retried for 2 hours, far past the outage to ride out.
   */
  static ActivityOptions results() {
    return ActivityOptions.newBuilder()
        .setTaskQueue(CPU_QUEUE)
        .setStartToCloseTimeout(Duration.ofMinutes(30))
        .setScheduleToCloseTimeout(Duration.ofHours(2))
        .setRetryOptions(untilBudget(Duration.ofSeconds(2)))
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
        // The trainer heartbeats at every step (a CPU step of mobilenet took ~5.5 s under load),
        // and a background thread every 10 s through what has no steps (loading the encoder and
        // the model, evaluating the test splits), so a step, not the cell, must fit in the
        // timeout. 2 minutes leaves room for a slow step and lets a killed worker's retry start
        // soon (KilledFinetuneWorkerTest). A
        // drained worker's attempt does not wait for it: it checkpoints and fails at once with a
        // WorkerShutdown failure whose own 15 s retry delay replaces the backoff below
        // (DrainedFinetuneWorkerTest).
        .setHeartbeatTimeout(Duration.ofMinutes(2))
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(10))
                .setBackoffCoefficient(2)
                .setMaximumInterval(Duration.ofMinutes(5))
                .setMaximumAttempts(10)
                .setDoNotRetry(BAD_INPUT)
                .build())
        .build();
  }

  /**
   * Planning the frame store lists the manifest and writes one index: seconds, minutes for a
   * paper-sized manifest. It runs in the sweep workflow before any model starts, so it rides out a
   * bucket outage like dataset preparation (6 hours), a bad manifest failing at once.
   */
  static ActivityOptions framePlan() {
    return ActivityOptions.newBuilder()
        .setTaskQueue(CPU_QUEUE)
        .setStartToCloseTimeout(Duration.ofMinutes(30))
        .setScheduleToCloseTimeout(Duration.ofHours(6))
        .setRetryOptions(untilBudget(Duration.ofSeconds(2)))
        .build();
  }

  /**
   * A range of frame shards decodes {@code FRAME_SHARDS_PER_RANGE} shards of 256 images (about
   * 2,000 images a minute per decoding core, docs/BENCHMARKS.md): minutes. It heartbeats after
   * every shard; one shard takes seconds even on a loaded 2-core machine, so a 2-minute heartbeat
   * timeout finds a lost worker soon and the retry resumes after the last stored shard. Retried for
   * 6 hours like dataset preparation (the sweep waits for it; an S3 outage must not fail the
   * sweep); an undecodable image fails at once as BadInput.
   */
  static ActivityOptions frameShards() {
    return ActivityOptions.newBuilder()
        .setTaskQueue(CPU_QUEUE)
        .setStartToCloseTimeout(Duration.ofHours(2))
        .setHeartbeatTimeout(Duration.ofMinutes(2))
        .setScheduleToCloseTimeout(Duration.ofHours(6))
        .setRetryOptions(untilBudget(Duration.ofSeconds(2)))
        .build();
  }
}
