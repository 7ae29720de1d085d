package io.labelcurve.activities.adapter;

import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.DatasetDigest;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.dataset.ValidationReport;
import io.labelcurve.activities.image.ImageSource;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.BackgroundHeartbeat;
import io.labelcurve.activities.runtime.Failures;
import io.labelcurve.activities.spec.SpecChecks;
import io.labelcurve.workflows.activities.DatasetActivities;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** See {@link DatasetActivities}. */
public final class DatasetActivitiesImpl implements DatasetActivities {
  private static final Logger log = LoggerFactory.getLogger(DatasetActivitiesImpl.class);
  private final ActivityContext context;
  private final Manifests manifests;

  public DatasetActivitiesImpl(ActivityContext context, Manifests manifests) {
    this.context = context;
    this.manifests = manifests;
  }

  @Override
  public DatasetSummary prepare(SweepSpec spec) {
    return Failures.call(
        () -> {
          // Validation hashes every image and reports no position: heartbeat throughout, so that a
          // dead worker is seen within the heartbeat timeout, not the 2-hour start-to-close.
          try (BackgroundHeartbeat hb =
              BackgroundHeartbeat.start(
                  "validating " + spec.dataset(), BackgroundHeartbeat.EVERY)) {
            return summarise(spec);
          }
        });
  }

  private DatasetSummary summarise(SweepSpec spec) throws Exception {
    // Models and preset first: they are cheap to check and wrong ones waste nothing.
    SpecChecks.check(spec, context.catalog());
    Manifest manifest = manifests.read(spec.dataset());
    ImageSource images = BlobImageSource.besides(context.store(), manifests.keyOf(spec.dataset()));
    ValidationReport report = SpecChecks.validator(spec).validateOrThrow(manifest, images);
    report.warnings().forEach(w -> log.warn("{}", w));
    DatasetSummary summary =
        SpecChecks.summarise(
            manifest, spec.dataset(), DatasetDigest.of(manifest, images).cacheKey(), spec);
    SpecChecks.checkAgainst(spec, summary);
    return summary;
  }
}
