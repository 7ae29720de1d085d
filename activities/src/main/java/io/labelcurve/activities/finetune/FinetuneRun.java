package io.labelcurve.activities.finetune;

/**
 * What a {@link FinetuneTrainer#train} call did.
 *
 * @param model the trained model (the caller closes it)
 * @param firstStep the first step this attempt ran (1, or a checkpoint's step + 1; totalSteps + 1
 *     when the checkpoint was already the last step)
 * @param totalSteps steps of the whole run
 * @param stepsPerEpoch ceil(n / batch)
 * @param epochs passes over the data
 * @param samplesSeen epochs × n
 * @param losses the loss of each step this attempt ran
 * @param trainSeconds training time of every attempt together (checkpoint writes excluded)
 * @param checkpointSeconds time spent writing checkpoints in this attempt
 * @param resumedFrom the checkpoint URI this attempt started from, or null
 * @param lastCheckpoint the newest checkpoint's URI, or null when none was written
 */
public record FinetuneRun(
    FinetunedModel model,
    long firstStep,
    long totalSteps,
    int stepsPerEpoch,
    int epochs,
    long samplesSeen,
    double[] losses,
    double trainSeconds,
    double checkpointSeconds,
    String resumedFrom,
    String lastCheckpoint) {}
