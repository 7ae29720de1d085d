package io.labelcurve.workflows.sweep;

import io.labelcurve.workflows.activities.DatasetActivities;
import io.labelcurve.workflows.activities.EmbeddingActivities;
import io.labelcurve.workflows.activities.ExtractionActivities;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FrameStoreActivities;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.labelcurve.workflows.activities.ResultActivities;
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
 *
 * <p>Activities that hold a device (extraction, finetuning) are retried a number of times instead:
 * they heartbeat their resumable position, so a retry loses little, but a cause that keeps failing
 * them (a model that does not load, a device out of memory) must end in a failed cell, not retry
 * for days. Every task queue comes from the interface its activities implement.
 */
final class ActivityOptionsCatalog {

  /** The S3 outage every bucket-only activity must survive (issue 13). */
  static final int OUTAGE_MINUTES = 15;

  /** Longest wait between two attempts during an outage: the delay after the bucket is back. */
  static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

  /**
   * Longest wait between two attempts of a device activity: its failures are a lost worker or a
   * drained one (whose own failure asks for 15 s), rarely the bucket; 5 minutes lets a replacement
   * worker come up without spending the attempts in a minute.
   */
  static final Duration MAX_DEVICE_BACKOFF = Duration.ofMinutes(5);

  private ActivityOptionsCatalog() {}

  /** Retries for {@code budget}, backing off from {@code first} to {@link #MAX_BACKOFF}. */
  private static RetryOptions untilBudget(Duration first) {
    return RetryOptions.newBuilder()
        .setInitialInterval(first)
        .setBackoffCoefficient(2)
        .setMaximumInterval(MAX_BACKOFF)
        .setMaximumAttempts(0) // unlimited: the schedule-to-close budget ends the retries
        .setDoNotRetry(SweepWorkflow.BAD_INPUT)
        .build();
  }

  /** {@code attempts} tries, backing off from {@code first} to {@link #MAX_DEVICE_BACKOFF}. */
  private static RetryOptions attempts(int attempts, Duration first) {
    return RetryOptions.newBuilder()
        .setInitialInterval(first)
        .setBackoffCoefficient(2)
        .setMaximumInterval(MAX_DEVICE_BACKOFF)
        .setMaximumAttempts(attempts)
        .setDoNotRetry(SweepWorkflow.BAD_INPUT)
        .build();
  }

  /**
   * The one shape every option set has; a null timeout is left unset (no limit of that kind).
   *
   * @param startToClose caps one attempt
   * @param heartbeat how soon a lost worker is noticed (null: the activity does not heartbeat)
   * @param scheduleToClose the budget of all attempts together (null: the attempts limit it)
   */
  private static ActivityOptions options(
      String queue,
      Duration startToClose,
      Duration heartbeat,
      Duration scheduleToClose,
      RetryOptions retry) {
    ActivityOptions.Builder b =
        ActivityOptions.newBuilder()
            .setTaskQueue(queue)
            .setStartToCloseTimeout(startToClose)
            .setRetryOptions(retry);
    if (heartbeat != null) {
      b.setHeartbeatTimeout(heartbeat);
    }
    if (scheduleToClose != null) {
      b.setScheduleToCloseTimeout(scheduleToClose);
    }
    return b.build();
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
    return options(
        DatasetActivities.TASK_QUEUE,
        Duration.ofHours(2),
        Duration.ofMinutes(2),
        Duration.ofHours(6),
        untilBudget(Duration.ofSeconds(2)));
  }

  /**
   * The heartbeat timeout of an extraction (whole split or range). It heartbeats after every
   * encoder batch (same shard position) as well as after every shard, so this must cover one batch,
   * not a whole shard (docs/BENCHMARKS.md, 2 shared CPU cores: ResNet-50 at 224 px 2.9-3.9
   * images/s, so a cpu-small batch of 16 takes a few seconds and a paper batch of 64 about 20 s; a
   * ViT-B, ~4x the FLOPs, needs about 80 s for 64 on such a CPU: run the paper preset on GPUs or
   * bigger CPUs). 60 s finds a killed worker within a minute; the retry resumes after the last
   * shard.
   */
  private static final Duration EXTRACTION_HEARTBEAT = Duration.ofSeconds(60);

  /**
   * The whole-split extraction of model workflows started before the fan-out: the longest job (the
   * paper's pool is 2.9 million images per model), on the queue it always had. It heartbeats, so a
   * killed worker is noticed after the heartbeat timeout, not after hours, and the retry resumes
   * after the last finished shard. Start-to-close only caps a runaway attempt. No schedule-to-start
   * limit: a job may wait for a free GPU as long as it takes. 20 attempts from 5 s: a retry loses
   * at most a shard, so many are cheap.
   */
  static ActivityOptions embedding() {
    return options(
        EmbeddingActivities.TASK_QUEUE,
        Duration.ofHours(24),
        EXTRACTION_HEARTBEAT,
        null,
        attempts(20, Duration.ofSeconds(5)));
  }

  /**
   * One range of a fanned-out extraction: at most 1/{@code MAX_RANGES} of a split, so minutes on a
   * GPU; start-to-close (6 h) only caps a runaway attempt, e.g. a range of the paper's pool on a
   * slow CPU. Heartbeat and retries as the whole-split extraction: a retry resumes behind the
   * range's last stored shard. No schedule-to-start limit: a range waits for a free slot.
   */
  static ActivityOptions extractRange() {
    return options(
        ExtractionActivities.TASK_QUEUE,
        Duration.ofHours(6),
        EXTRACTION_HEARTBEAT,
        null,
        attempts(20, Duration.ofSeconds(5)));
  }

  /**
   * Planning and finishing an extraction read the manifest and the set's small objects (the shard
   * digests; a cache hit also reads the set to check its digests, and may measure the encoder's
   * latency once). They heartbeat from a background thread, so 2 minutes find a lost worker; 2
   * hours cap an attempt that reads a paper-sized set. Like every bucket activity they ride out an
   * outage: retried for 4 hours (two full attempts and the outage), bad input failing at once.
   */
  static ActivityOptions extractionBookkeeping() {
    return options(
        ExtractionActivities.TASK_QUEUE,
        Duration.ofHours(2),
        Duration.ofMinutes(2),
        Duration.ofHours(4),
        untilBudget(Duration.ofSeconds(2)));
  }

  /**
   * A probe cell loads embeddings, trains the SVM and evaluates: seconds to minutes (100k x 768
   * trains in minutes on a few cores). It is idempotent (a finished cell is read back), so retries
   * are safe. It heartbeats from a background thread every 10 s while it reads embeddings, trains
   * and evaluates (BackgroundHeartbeat), so 2 minutes find a dead worker soon without capping how
   * long the SVM may train. A cell needs only the bucket and the CPU: an outage of the bucket must
   * not fail it; 4 hours covers two full-length attempts and the outage, and a cell that keeps
   * failing for another reason is failed then (and listed for 'sweep rerun'). Cells run in a
   * detached scope: a cancelled sweep starts no new cell and waits for those in flight, so that its
   * results.csv is written after its last cell file, not before.
   */
  static ActivityOptions probeCell() {
    return options(
        ProbeActivities.TASK_QUEUE,
        Duration.ofHours(2),
        Duration.ofMinutes(2),
        Duration.ofHours(4),
        untilBudget(Duration.ofSeconds(2)));
  }

  /**
   * Writing spec.json, the failure lists, results.csv and the report reads and writes small
   * objects: minutes at most for an attempt (30 min start-to-close; they do not heartbeat). A model
   * workflow fails when one of them gives up, so they are retried for 2 hours, far past the outage
   * to ride out.
   */
  static ActivityOptions results() {
    return options(
        ResultActivities.TASK_QUEUE,
        Duration.ofMinutes(30),
        null,
        Duration.ofHours(2),
        untilBudget(Duration.ofSeconds(2)));
  }

  /**
   * A finetune cell trains a whole encoder: minutes on a GPU, up to hours for the paper's largest
   * models and subsets (48 h caps a runaway attempt). It heartbeats at every step with the URI of
   * its newest checkpoint (a CPU step of mobilenet took ~5.5 s under load), and a background thread
   * every 10 s through what has no steps (loading the encoder and the model, evaluating the test
   * splits), so a step, not the cell, must fit in the 2-minute heartbeat timeout: room for a slow
   * step, and a killed worker's retry starts soon (KilledFinetuneWorkerIT). The retry continues
   * from that checkpoint; training is idempotent per checkpoint, so retries are safe; a model that
   * cannot be finetuned fails as BadInput. 10 attempts from 10 s: each may cost a model load and a
   * checkpoint interval. A drained worker's attempt does not wait for the timeout: it checkpoints
   * and fails at once with a WorkerShutdown failure whose own 15 s retry delay replaces the backoff
   * (DrainedFinetuneWorkerIT).
   */
  static ActivityOptions finetuneCell() {
    return options(
        FinetuneActivities.TASK_QUEUE,
        Duration.ofHours(48),
        Duration.ofMinutes(2),
        null,
        attempts(10, Duration.ofSeconds(10)));
  }

  /**
   * Planning the frame store lists the manifest and writes one index: seconds, minutes for a
   * paper-sized manifest. It runs in the sweep workflow before any model starts, so it rides out a
   * bucket outage like dataset preparation (6 hours), a bad manifest failing at once.
   */
  static ActivityOptions framePlan() {
    return options(
        FrameStoreActivities.TASK_QUEUE,
        Duration.ofMinutes(30),
        null,
        Duration.ofHours(6),
        untilBudget(Duration.ofSeconds(2)));
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
    return options(
        FrameStoreActivities.TASK_QUEUE,
        Duration.ofHours(2),
        Duration.ofMinutes(2),
        Duration.ofHours(6),
        untilBudget(Duration.ofSeconds(2)));
  }
}
