package io.labelcurve.activities.adapter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.embed.EmbeddingReader.Embeddings;
import io.labelcurve.activities.eval.Evaluator;
import io.labelcurve.activities.eval.TestSet;
import io.labelcurve.activities.results.CellEvaluations;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.results.CellRecords;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.BackgroundHeartbeat;
import io.labelcurve.activities.runtime.CellAttempts;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.activities.sampling.CellSample;
import io.labelcurve.activities.sampling.Subset;
import io.labelcurve.activities.sampling.TrainingPool;
import io.labelcurve.activities.svm.LinearSvcModel;
import io.labelcurve.activities.svm.LinearSvcParams;
import io.labelcurve.activities.svm.LinearSvcTrainer;
import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.EmbeddingSet;
import io.labelcurve.workflows.activities.ProbeActivities;
import io.labelcurve.workflows.activities.ProbeCellRequest;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.AugmentationSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** See {@link ProbeActivities}. */
public final class ProbeActivitiesImpl implements ProbeActivities {
  private static final ObjectMapper JSON = CellRecords.MAPPER;
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
    Cell cell = request.cell();
    String key = CellRecords.cellKey(request.sweepId(), cell.id());
    // A cell that already finished (an earlier attempt, or a rerun of the sweep) is read back.
    Optional<byte[]> existing = context.store().get(key);
    if (existing.isPresent()) {
      return CellRecords.toResult(
          JSON.readValue(existing.get(), CellRecord.class), context.store().uri(key), true);
    }
    // Reading the embeddings, training the SVM and evaluating report no position: heartbeat
    // throughout, so that the heartbeat timeout can be short and the SVM still take hours.
    try (BackgroundHeartbeat hb =
        BackgroundHeartbeat.start("probe cell " + cell.id(), BackgroundHeartbeat.EVERY)) {
      return compute(request, key);
    }
  }

  private CellResult compute(ProbeCellRequest request, String key) throws IOException {
    Cell cell = request.cell();
    Manifest manifest = manifests.read(request.dataset().manifestUri());
    List<String> classes = request.dataset().classes();
    AugmentationSpec augmentation = AugmentationSpec.orDefault(request.augmentation());
    int voteFrames = request.voteFrames() == null ? Evaluator.ALL_FRAMES : request.voteFrames();
    TrainingPool pool =
        TrainingPool.of(manifest, request.dataset().trainSplit(), classes, augmentation.variants());
    Embeddings train = memo.get(request.train().prefix());
    if (!train.ids().equals(pool.entries().stream().map(e -> e.id()).toList())) {
      throw new IllegalStateException(
          "embeddings under "
              + request.train().prefix()
              + " do not hold the training pool of "
              + request.dataset().manifestUri());
    }

    CellSample sample = CellSample.of(pool, cell);
    Subset subset = sample.subset();
    Integer perClass = sample.perClass();
    int size = sample.size();
    // The subset's rows are the cached embeddings themselves, and the trainer reads them in place
    // (RowBlocks.wrap): a whole-pool cell holds one copy of the pool, not two.
    float[][] x = new float[subset.indices().length][];
    int[] y = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      int row = subset.indices()[i];
      x[i] = train.vectors()[row];
      y[i] = pool.get(row).classIndex();
    }

    long t0 = System.nanoTime();
    Classifier classifier = Classifier.train(x, y, classes.size(), context.svmThreads());
    double trainSeconds = (System.nanoTime() - t0) / 1e9;

    Map<String, ManifestRow> rows = new HashMap<>();
    for (ManifestRow r : manifest.rows()) {
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
      TestSet testImages = TestSet.of(testSet.split(), testRows, classes);
      long p0 = System.nanoTime();
      double[][] s = classifier.scores(test.vectors());
      predictNanos += System.nanoTime() - p0;
      predicted += testImages.size();
      evaluations.add(Evaluator.evaluate(testImages, s, classes.size(), voteFrames));
      encoderMs = Math.max(encoderMs, testSet.inferMsPerImage());
    }
    double inferMs = encoderMs + (predicted == 0 ? 0 : predictNanos / 1e6 / predicted);

    String idsKey = CellRecords.idsKey(request.sweepId(), cell.id());
    context
        .store()
        .put(idsKey, (String.join("\n", subset.ids()) + "\n").getBytes(StandardCharsets.UTF_8));

    Map<String, String> provenance = new LinkedHashMap<>(Provenance.worker());
    provenance.put("dataset_digest", request.dataset().digest());
    provenance.put("dataset", request.dataset().manifestUri());
    provenance.put("train_embeddings", request.train().prefix());
    if (request.train().numerics() != null) {
      provenance.put("embedding_numerics", request.train().numerics());
    }
    provenance.put("classifier", classifier.describe());
    provenance.put("augmentation", augmentation.describe());
    provenance.put("vote_frames", Evaluator.describeVoteFrames(voteFrames));
    if (classifier.svm() != null) {
      // Informational: the trained model is bit-identical for any thread count.
      provenance.put("svm_threads", String.valueOf(context.svmThreads()));
    }
    provenance.put("finished", Instant.now().toString());
    CellRecord record =
        new CellRecord(
            request.sweepId(),
            cell.id(),
            cell.model(),
            cell.adaptation(),
            cell.sampling(),
            size,
            perClass,
            cell.seed(),
            x.length,
            trainSeconds,
            inferMs,
            request.train().params(),
            classes,
            evaluations.scores(),
            evaluations.confusion(),
            idsKey,
            provenance,
            evaluations.outcomes());
    context.store().put(key, JSON.writeValueAsBytes(record));
    return CellRecords.toResult(record, context.store().uri(key), false);
  }

  /**
   * The linear SVM, or — when a tiny subset holds a single class, where LinearSVC refuses to train
   * — the constant answer that class, so that the smallest sizes of a curve still have a point
   * (recorded as such in the provenance).
   */
  private record Classifier(LinearSvcModel svm, int onlyClass, int numClasses) {
    static Classifier train(float[][] x, int[] y, int numClasses, int threads) {
      int first = y.length == 0 ? 0 : y[0];
      boolean single = true;
      for (int label : y) {
        single &= label == first;
      }
      if (single) {
        return new Classifier(null, first, numClasses);
      }
      LinearSvcModel m =
          new LinearSvcTrainer(LinearSvcParams.sklearnDefaults().withThreads(threads))
              .train(x, y, numClasses);
      return new Classifier(m, -1, numClasses);
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

    String describe() {
      return svm == null
          ? "constant (the subset holds one class)"
          : "LinearSVC(C=1, squared hinge, L2, tol=1e-4, max_iter=1000, solver="
              + svm.solver()
              + ")";
    }
  }
}
