package io.labelcurve.workflows.activities;

/**
 * What one range activity did, and where.
 *
 * @param fromShard first shard of the range
 * @param toShard one past its last shard
 * @param computed images this range embedded
 * @param fromCache images of the range found stored already
 * @param params the encoder's parameter count (0 when nothing had to be computed and no encoder was
 *     loaded)
 * @param inferSeconds encoder seconds over the computed images
 * @param device the device slot the range ran on ({@code cpu() slot 1 of 4}, {@code gpu(2) slot 2
 *     of 8}); null when nothing was computed
 * @param numerics the engine, numerics setting, CPU and numerics canary's result of that worker
 *     (null when nothing was computed)
 */
public record RangeResult(
    int fromShard,
    int toShard,
    int computed,
    int fromCache,
    long params,
    double inferSeconds,
    String device,
    String numerics) {}
