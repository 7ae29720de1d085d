package io.labelcurve.activities.eval;

/**
 * The accuracy of a classifier on one test split, at image level and at sequence level.
 *
 * @param split test split
 * @param images images evaluated
 * @param imageAccuracy fraction of images whose predicted class is their label
 * @param sequences sequences evaluated
 * @param sequenceAccuracy fraction of sequences whose majority vote is their label
 * @param imageConfusion {@code [true][predicted]} image counts
 * @param sequenceConfusion {@code [true][predicted]} sequence counts
 * @param outcomes per sequence, what was right (for the report's test-set intervals)
 */
public record SplitEvaluation(
    String split,
    int images,
    double imageAccuracy,
    int sequences,
    double sequenceAccuracy,
    int[][] imageConfusion,
    int[][] sequenceConfusion,
    SequenceOutcomes outcomes) {}
