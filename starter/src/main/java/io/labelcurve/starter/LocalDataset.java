package io.labelcurve.starter;

import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.spec.SpecChecks;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The dataset summary {@code sweep plan} can have without connecting to anything. */
final class LocalDataset {
  private LocalDataset() {}

  /** The digest of the placeholder summary: no local manifest was read. */
  static final String PLACEHOLDER_DIGEST = "unknown";

  /**
   * The summary of the spec's local manifest; for an {@code s3://} dataset (not read: planning
   * connects to nothing) a placeholder in which size 0 ("all") stays 0 and sequence sets count one
   * class.
   */
  static DatasetSummary summaryOrPlaceholder(SweepSpec spec, Path specFile) {
    if (!spec.dataset().startsWith("s3://")) {
      Path local = specFile.toAbsolutePath().getParent().resolve(spec.dataset()).normalize();
      if (Files.isRegularFile(local)) {
        Manifest manifest = ManifestReader.read(local);
        return SpecChecks.summarise(manifest, manifest.location(), "local", spec);
      }
    }
    return new DatasetSummary(
        spec.dataset(), PLACEHOLDER_DIGEST, List.of(), spec.trainSplit(), 0, 0, Map.of(), Map.of());
  }
}
