package io.labelcurve.activities.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.activities.svm.LinearSvcParams;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A cell's typed provenance gives the keys and values its records have always had. */
class CellProvenanceTest {
  private static final Provenance.Worker WORKER =
      new Provenance.Worker("1.2.3", "17.0.9", "Linux amd64", "w1", 4, 2048);

  private static CellProvenance probe(ProbeProvenance p) {
    return new CellProvenance(
        WORKER,
        "d1g3st",
        "s3://bkt/datasets/x/manifest.csv",
        p,
        "default",
        0,
        Instant.parse("2026-12-02T14:00:00Z"));
  }

  @Test
  void aProbeCellNamesItsSvmFromTheParametersItTrainedWith() {
    Map<String, String> p =
        probe(
                new ProbeProvenance(
                    "sweeps/x/emb/",
                    "passed",
                    LinearSvcParams.sklearnDefaults().withThreads(3),
                    "dual"))
            .asMap();
    assertEquals(
        List.of(
            "labelcurve_version",
            "java",
            "os",
            "host",
            "processors",
            "max_memory_mib",
            "dataset_digest",
            "dataset",
            "train_embeddings",
            "embedding_numerics",
            "classifier",
            "svm_threads",
            "augmentation",
            "vote_frames",
            "finished"),
        List.copyOf(p.keySet()));
    // The literal every record written so far carries, now derived from the parameters.
    assertEquals(
        "LinearSVC(C=1, squared hinge, L2, tol=1e-4, max_iter=1000, solver=dual)",
        p.get("classifier"));
    assertEquals("3", p.get("svm_threads"));
    assertEquals("2048", p.get("max_memory_mib"));
    assertEquals("2026-12-02T14:00:00Z", p.get("finished"));
  }

  @Test
  void parametersOtherThanTheDefaultsShowInTheClassifier() {
    LinearSvcParams d = LinearSvcParams.sklearnDefaults();
    LinearSvcParams other =
        new LinearSvcParams(0.5, 1e-6, 200, 0, LinearSvcParams.Solver.PRIMAL, 1, d.seed());
    assertEquals(
        "LinearSVC(C=0.5, squared hinge, L2, tol=1e-6, max_iter=200, intercept_scaling=0,"
            + " solver=primal)",
        other.describe("primal"));
  }

  @Test
  void aSingleClassSubsetIsRecordedAsTheConstantAnswer() {
    Map<String, String> p = probe(new ProbeProvenance("sweeps/x/emb/", null, null, null)).asMap();
    assertEquals(ProbeProvenance.CONSTANT, p.get("classifier"));
    assertEquals(null, p.get("svm_threads"));
    assertEquals(null, p.get("embedding_numerics"));
  }
}
