package io.labelcurve.workflows.activities;

import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Reading and checking the dataset a sweep names. Runs on {@link #TASK_QUEUE}. */
@ActivityInterface
public interface DatasetActivities {
  /** The CPU queue. */
  String TASK_QUEUE = ProbeActivities.TASK_QUEUE;

  /**
   * Reads the manifest the spec names, checks every row and image, computes the dataset digest, and
   * checks the spec against it (splits, pool size, sequences per class, model ids against the
   * worker's catalog).
   *
   * <p>Fails with a non-retryable {@code ApplicationFailure} of type {@code BadInput} whose message
   * names the file, row or spec field, when the user has to change something; retrying cannot help
   * then.
   */
  @ActivityMethod
  DatasetSummary prepare(SweepSpec spec);
}
