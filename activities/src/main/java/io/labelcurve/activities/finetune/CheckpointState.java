package io.labelcurve.activities.finetune;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * {@code state.json} of a checkpoint: where the run stands and everything needed to continue the
 * same trajectory. The random state is reconstructible rather than dumped: each epoch's data order
 * is the {@code epoch}-th {@link java.util.SplittableRandom#split() split} of a generator seeded
 * from {@code seed}, and PyTorch's generator is re-seeded from (seed, step) before every step.
 *
 * @param fingerprint the run's settings and data; a checkpoint of other settings is not resumed
 * @param step updates done (the next one is {@code step + 1})
 * @param epoch the epoch the next step belongs to
 * @param position the next batch's index in that epoch's order
 * @param trainSeconds training time of all attempts so far
 * @param trainable names of the trainable arrays, in the optimiser state's order
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record CheckpointState(
    int version,
    String fingerprint,
    long step,
    long totalSteps,
    int epoch,
    int position,
    int stepsPerEpoch,
    long seed,
    String dataOrder,
    String torchSeed,
    double learningRate,
    double nextLearningRate,
    double lastLoss,
    double trainSeconds,
    List<String> trainable,
    String created) {}
