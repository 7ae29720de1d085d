package io.labelcurve.activities.dataset;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.Failures;
import io.labelcurve.activities.runtime.Manifests;
import io.labelcurve.activities.sampling.TrainingPool;
import io.labelcurve.workflows.activities.DatasetActivities;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    return Failures.call(() -> summarise(spec));
  }

  private DatasetSummary summarise(SweepSpec spec) throws Exception {
    // Models and preset first: they are cheap to check and wrong ones waste nothing.
    List<String> unknown = new ArrayList<>();
    for (int i = 0; i < spec.models().size(); i++) {
      if (!context.catalog().contains(spec.models().get(i))) {
        unknown.add("models[" + i + "]: '" + spec.models().get(i) + "'");
      }
    }
    if (!unknown.isEmpty()) {
      throw new BadInputException("unknown model " + String.join(", ", unknown)
          + "; this worker's catalog has " + context.catalog().ids()
          + " (add a folder with model.json and the TorchScript file to the models folder)");
    }
    Preset.named(spec.preset());

    Manifest manifest = manifests.read(spec.dataset());
    String key = manifests.keyOf(spec.dataset());
    ImageSource images = BlobImageSource.besides(context.store(), key);
    ValidationReport report =
        new DatasetValidator(spec.trainSplit(), spec.testSplits()).validateOrThrow(manifest, images);
    report.warnings().forEach(w -> log.warn("{}", w));
    DatasetDigest digest = DatasetDigest.of(manifest, images);

    List<String> classes = manifest.classes();
    int pool = TrainingPool.of(manifest, spec.trainSplit(), classes, true).size();
    Map<String, Integer> tests = new LinkedHashMap<>();
    for (String split : manifest.splits()) {
      if (!split.equals(spec.trainSplit())) {
        tests.put(split, manifest.rowsOf(split).size());
      }
    }
    return new DatasetSummary(spec.dataset(), digest.cacheKey(), classes, spec.trainSplit(),
        manifest.rowsOf(spec.trainSplit()).size(), pool,
        new LinkedHashMap<>(manifest.sequencesPerClass(spec.trainSplit())), tests);
  }
}
