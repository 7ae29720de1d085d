package io.labelcurve.activities.adapter;

import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.embed.EmbeddingReader.Embeddings;
import io.labelcurve.activities.results.CellEvaluations;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.BackgroundHeartbeat;
import io.labelcurve.activities.runtime.CellAttempts;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.activities.svm.LinearSvcModel;
import io.labelcurve.activities.svm.LinearSvcParams;
import io.labelcurve.activities.svm.LinearSvcTrainer;
import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.labelcurve.workflows.activities.ProbeCellRequest;
import io.labelcurve.workflows.spec.AugmentationSpec;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** See {@link ProbeActivities}. */
public final class ProbeActivitiesImpl implements ProbeActivities {
  private final ActivityContext context;
  private final Manifests manifests;
  private final EmbeddingMemo memo;

  public ProbeActivitiesImpl(ActivityContext context, Manifests manifests) {
    this.context = context;
    this.manifests = manifests;
    this.memo = new EmbeddingMemo(context.store(), 12);
  }

  @Override
  public CellResult runProbeCell(ProbeCellRequest request) {
    return CellAttempts.run(
        context.metrics(), request.sweepId(), request.cell(), () -> run(request));
  }

  private CellResult run(ProbeCellRequest request) throws IOException {
    CellPipeline cell = new CellPipeline(context.store(), request.sweepId(), request.cell());
    Optional<CellResult> finished = cell.finished();
    if (finished.isPresent()) {
      return finished.get();
    }
    // Reading the embeddings, training the SVM and evaluating report no position: heartbeat
    // throughout, so that the heartbeat timeout can be short and the SVM still take hours.
    try (BackgroundHeartbeat hb =
        BackgroundHeartbeat.start("probe cell " + request.cell().id(), BackgroundHeartbeat.EVERY)) {
      return compute(request, cell);
    }
  }

  private CellResult compute(ProbeCellRequest request, CellPipeline cell) throws IOException {
    AugmentationSpec augmentation = AugmentationSpec.orDefault(request.augmentation());
    CellPipeline.Inputs in =
        cell.inputs(manifests, request.dataset(), augmentation.variants(), request.voteFrames());
    Embeddings train = memo.get(request.train().prefix());
    if (!train.ids().equals(in.pool().entries().stream().map(e -> e.id()).toList())) {
      throw new IllegalStateException(
          "embeddings under "
              + request.train().prefix()
              + " do not hold the training pool of "
              + request.dataset().manifestUri());
    }
    // The subset's rows are the cached embeddings themselves, and the trainer reads them in place
    // (RowBlocks.wrap): a whole-pool cell holds one copy of the pool, not two.
    int[] indices = in.sample().subset().indices();
    float[][] x = new float[indices.length][];
    for (int i = 0; i < x.length; i++) {
      x[i] = train.vectors()[indices[i]];
    }

    long t0 = System.nanoTime();
    Classifier classifier =
        Classifier.train(
            x,
            in.labels(),
            in.classes().size(),
            LinearSvcParams.sklearnDefaults().withThreads(context.svmThreads()));
    double trainSeconds = (System.nanoTime() - t0) / 1e9;

    Map<String, ManifestRow> rows = new HashMap<>();
    for (ManifestRow r : in.manifest().rows()) {
      rows.put(r.image(), r);
    }
    CellEvaluations evaluations = new CellEvaluations();
    long predictNanos = 0;
    int predicted = 0;
    double encoderMs = 0;
    for (EmbeddingSet testSet : request.tests()) {
      Embeddings test = memo.get(testSet.prefix());
      List<ManifestRow> testRows = new ArrayList<>(test.ids().size());
      for (String id : test.ids()) {
        testRows.add(rows.get(id));
      }
      long p0 = System.nanoTime();
      double[][] s = classifier.scores(test.vectors());
      predictNanos += System.nanoTime() - p0;
      predicted += testRows.size();
      in.evaluate(testSet.split(), testRows, s, evaluations);
      encoderMs = Math.max(encoderMs, testSet.inferMsPerImage());
    }
    double inferMs = encoderMs + (predicted == 0 ? 0 : predictNanos / 1e6 / predicted);

    CellProvenance provenance =
        new CellProvenance(
            Provenance.worker(),
            request.dataset().digest(),
            request.dataset().manifestUri(),
            new ProbeProvenance(
                request.train().prefix(),
                request.train().numerics(),
                classifier.params(),
                classifier.svm() == null ? null : classifier.svm().solver()),
            augmentation.describe(),
            in.voteFrames(),
            Instant.now());
    return cell.write(
        in,
        new CellPipeline.Measured(trainSeconds, inferMs, request.train().params(), evaluations),
        provenance);
  }

  /**
   * The linear SVM, or — when a tiny subset holds a single class, where LinearSVC refuses to train
   * — the constant answer that class, so that the smallest sizes of a curve still have a point
   * (recorded as such in the provenance).
   */
  private record Classifier(
      LinearSvcParams params, LinearSvcModel svm, int onlyClass, int numClasses) {
    static Classifier train(float[][] x, int[] y, int numClasses, LinearSvcParams params) {
      int first = y.length == 0 ? 0 : y[0];
      boolean single = true;
      for (int label : y) {
        single &= label == first;
      }
      if (single) {
        return new Classifier(null, null, first, numClasses);
      }
      LinearSvcModel m = new LinearSvcTrainer(params).train(x, y, numClasses);
      return new Classifier(params, m, -1, numClasses);
    }

    double[][] scores(float[][] x) {
      if (svm != null) {
        return svm.decisionFunction(x);
      }
      double[][] s = new double[x.length][numClasses];
      for (double[] row : s) {
        java.util.Arrays.fill(row, -1);
        row[onlyClass] = 1;
      }
      return s;
    }
  }
}
