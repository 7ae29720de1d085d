package io.labelcurve.activities.adapter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.NumericsCheckFailedException;
import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.embed.Encoder;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.embed.NumericsCanary;
import io.labelcurve.activities.embed.Preprocessor;
import io.labelcurve.activities.eval.Evaluator;
import io.labelcurve.activities.eval.TestSet;
import io.labelcurve.activities.finetune.AdamW;
import io.labelcurve.activities.finetune.Checkpoints;
import io.labelcurve.activities.finetune.FinetuneConfig;
import io.labelcurve.activities.finetune.FinetuneRun;
import io.labelcurve.activities.finetune.FinetuneTrainer;
import io.labelcurve.activities.finetune.FinetunedModel;
import io.labelcurve.activities.finetune.Network;
import io.labelcurve.activities.finetune.StopTraining;
import io.labelcurve.activities.finetune.TrainingListener;
import io.labelcurve.activities.finetune.TrainingStopped;
import io.labelcurve.activities.framestore.FrameImages;
import io.labelcurve.activities.image.Augmentation;
import io.labelcurve.activities.image.ImageLoader;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.results.CellEvaluations;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.results.CellRecords;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.BackgroundHeartbeat;
import io.labelcurve.activities.runtime.CellAttempts;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.activities.runtime.WorkerShutdowns;
import io.labelcurve.activities.sampling.CellSample;
import io.labelcurve.activities.sampling.Subset;
import io.labelcurve.activities.sampling.TrainingPool;
import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.FinetuneSchedule;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityWorkerShutdownException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * See {@link FinetuneActivities}. The checkpoint interval is {@link FinetuneConfig}'s {@code
 * labelcurve.finetune.checkpointEvery} / {@code LABELCURVE_FINETUNE_CHECKPOINT_EVERY} (default
 * {@value FinetuneConfig#DEFAULT_CHECKPOINT_EVERY} steps), or the constructor's.
 *
 * <p>When the worker drains, a cell still training checkpoints the step it is at and ends its
 * attempt with a retryable {@link WorkerShutdowns#failure}; the retry, on another worker, resumes
 * from that checkpoint ({@link Checkpoints#resumePoint}). A cell in its evaluation finishes.
 */
public final class FinetuneActivitiesImpl implements FinetuneActivities {
  private static final ObjectMapper JSON = CellRecords.MAPPER;

  /** Complete checkpoints kept per cell. */
  public static final int KEEP_CHECKPOINTS = 2;

  private final ActivityContext context;
  private final Manifests manifests;
  private final int checkpointEvery;
  private final int loaderThreads;

  public FinetuneActivitiesImpl(ActivityContext context, Manifests manifests) {
    this(
        context,
        manifests,
        FinetuneConfig.checkpointEveryFromEnvironment(FinetuneConfig.DEFAULT_CHECKPOINT_EVERY),
        Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2)));
  }

  /**
   * @param checkpointEvery steps between checkpoints
   * @param loaderThreads threads loading the next batches
   */
  public FinetuneActivitiesImpl(
      ActivityContext context, Manifests manifests, int checkpointEvery, int loaderThreads) {
    this.context = context;
    this.manifests = manifests;
    this.checkpointEvery = checkpointEvery;
    this.loaderThreads = loaderThreads;
  }

  @Override
  public CellResult runFinetuneCell(FinetuneCellRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    String heartbeat = ctx.getHeartbeatDetails(String.class).filter(s -> !s.isBlank()).orElse(null);
    Checkpoints checkpoints =
        new Checkpoints(
            context.store(),
            Checkpoints.prefix(request.sweepId(), request.cell().id()),
            KEEP_CHECKPOINTS);
    Object heartbeatLock = new Object();
    TrainingListener listener =
        new TrainingListener() {
          private volatile String last = heartbeat == null ? "" : heartbeat;
          private long total;
          private boolean draining;

          @Override
          public void onStart(long firstStep, long totalSteps, String resumedFrom) {
            total = totalSteps;
          }

          @Override
          public void onStep(long step, long totalSteps, int epoch, double loss, double lr) {
            beat(
                last, step, totalSteps); // throttled by the SDK; also how a cancellation reaches us
          }

          @Override
          public void onCheckpoint(long step, String uri) {
            last = uri;
            beat(uri, step, total);
          }

          @Override
          public String position() {
            return last;
          }

          /**
           * Once the worker drains, heartbeat() throws ActivityWorkerShutdownException. While steps
           * remain, stop: the trainer checkpoints this step and the attempt hands over to a retry
           * elsewhere. Past the last step only the evaluation is left, one pass over the test
           * splits: let it finish within the drain period (its heartbeats can no longer be sent).
           */
          private void beat(String details, long step, long totalSteps) {
            if (draining) {
              return;
            }
            try {
              synchronized (heartbeatLock) {
                ctx.heartbeat(details);
              }
            } catch (ActivityWorkerShutdownException e) {
              if (step < totalSteps) {
                throw new StopTraining(e);
              }
              draining = true;
            }
          }
        };
    return CellAttempts.run(
        context.metrics(),
        request.sweepId(),
        request.cell(),
        () -> {
          // A drained attempt's checkpoint, when newer than the last heartbeat's (which is all the
          // server could be told before the worker refused heartbeats).
          String resume = checkpoints.resumePoint(heartbeat);
          // Steps heartbeat on their own; the background beats cover what has no steps (loading the
          // encoder and its canary, loading the model to train, evaluating the test splits) so the
          // heartbeat timeout can stay at two minutes however long those take. They send the last
          // checkpoint under the same lock as the step beats: never an older one after a newer.
          try (BackgroundHeartbeat hb =
              BackgroundHeartbeat.tracking(
                  heartbeatLock, listener::position, BackgroundHeartbeat.EVERY)) {
            return run(request, resume, listener);
          } catch (TrainingStopped stopped) {
            if (stopped.checkpoint() != null) {
              checkpoints.writeHandover(stopped.checkpoint());
            }
            throw WorkerShutdowns.failure(
                "worker shutting down: stopped after step "
                    + stopped.step()
                    + " of "
                    + stopped.totalSteps()
                    + "; the retry resumes from "
                    + (stopped.checkpoint() != null ? stopped.checkpoint() : "its last checkpoint"),
                stopped);
          }
        });
  }

  /**
   * The cell, outside Temporal: {@code resumeFrom} is a checkpoint URI (the last heartbeat's) or
   * null, {@code listener} hears steps and checkpoints.
   */
  public CellResult run(FinetuneCellRequest request, String resumeFrom, TrainingListener listener)
      throws IOException {
    Cell cell = request.cell();
    String key = CellRecords.cellKey(request.sweepId(), cell.id());
    Optional<byte[]> existing = context.store().get(key);
    if (existing.isPresent()) {
      return CellRecords.toResult(
          JSON.readValue(existing.get(), CellRecord.class), context.store().uri(key), true);
    }
    Preset preset = Preset.named(request.preset());
    ModelSpec catalogSpec = context.catalog().get(cell.model());
    if (catalogSpec.finetuneLr() == null) {
      throw new BadInputException(
          catalogSpec.source()
              + ": model '"
              + cell.model()
              + "' has no 'finetune_lr'; add the learning rate to finetune it with (Table 4 of the"
              + " paper gives the foundation models')");
    }
    ModelSpec spec = preset.applyFinetune(catalogSpec);

    Manifest manifest = manifests.read(request.dataset().manifestUri());
    List<String> classes = request.dataset().classes();
    Augmentation augmentation = augmentation(request);
    int voteFrames = request.voteFrames() == null ? Evaluator.ALL_FRAMES : request.voteFrames();
    TrainingPool pool =
        TrainingPool.of(
            manifest, request.dataset().trainSplit(), classes, augmentation.hasVariants());
    CellSample sample = CellSample.of(pool, cell);
    Subset subset = sample.subset();
    Integer perClass = sample.perClass();
    int size = sample.size();
    int n = subset.size();
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = pool.get(subset.indices()[i]).classIndex();
    }
    // The spec's explicit epochs (finetune_epochs, e.g. the paper's Table 6) win over the rule.
    int epochs =
        request.epochs() != null
            ? request.epochs()
            : FinetuneSchedule.epochs(n, preset.finetuneSamples());
    FinetuneConfig config =
        new FinetuneConfig(
            spec,
            context.catalog().folder(spec.id()).orElse(null),
            classes.size(),
            spec.finetuneLr(),
            preset.finetuneBatchSize(),
            epochs,
            cell.seed(),
            checkpointEvery,
            loaderThreads,
            null,
            FinetuneConfig.maxGradNormFromEnvironment());
    // Training and evaluation images from the dataset's frame store; decoded from the files
    // only when the store is not complete.
    ImageLoader images =
        FrameImages.forDataset(
            context.store(),
            request.dataset().digest(),
            BlobImageSource.besides(
                context.store(), manifests.keyOf(request.dataset().manifestUri())),
            augmentation);
    Checkpoints checkpoints =
        new Checkpoints(
            context.store(), Checkpoints.prefix(request.sweepId(), cell.id()), KEEP_CHECKPOINTS);

    String device = String.valueOf(Encoders.defaultDevice());
    int evalBatch = preset.finetuneBatchSize() * 4;
    NumericsCanary.Report encoderCanary = encoderCanary(spec, preset.finetuneBatchSize(), device);

    FinetuneTrainer trainer = new FinetuneTrainer(config, images);
    FinetuneRun run = trainer.train(subset.ids(), labels, checkpoints, resumeFrom, listener);
    Map<String, ManifestRow> rows = new LinkedHashMap<>();
    for (ManifestRow r : manifest.rows()) {
      rows.put(r.image(), r);
    }
    CellEvaluations evaluations = new CellEvaluations();
    long params;
    long inferNanos = 0;
    int inferred = 0;
    String finalUri = null;
    NumericsCanary.Report evalCanary;
    try (FinetunedModel model = run.model()) {
      params = model.params();
      evalCanary = evaluationCanary(model, evalBatch, device);
      Preprocessor pre = trainer.preprocessor();
      for (String split : request.testSplits()) {
        List<ManifestRow> test = manifest.rowsOf(split);
        double[][] s = new double[test.size()][];
        for (int from = 0; from < test.size(); from += evalBatch) {
          int to = Math.min(test.size(), from + evalBatch);
          List<float[]> chw = new ArrayList<>(to - from);
          for (int i = from; i < to; i++) {
            chw.add(pre.apply(images.load(test.get(i).image())));
          }
          long t0 = System.nanoTime();
          double[][] batch = model.scores(chw);
          inferNanos += System.nanoTime() - t0;
          System.arraycopy(batch, 0, s, from, batch.length);
        }
        inferred += test.size();
        evaluations.add(
            Evaluator.evaluate(TestSet.of(split, test, classes), s, classes.size(), voteFrames));
        listener.onStep(run.totalSteps(), run.totalSteps(), epochs - 1, Double.NaN, 0);
      }
      if (request.keepFinalModel()) {
        finalUri = checkpoints.writeFinal(model.weights());
      }
    }
    double inferMs = inferred == 0 ? 0 : inferNanos / 1e6 / inferred;

    String idsKey = CellRecords.idsKey(request.sweepId(), cell.id());
    context
        .store()
        .put(idsKey, (String.join("\n", subset.ids()) + "\n").getBytes(StandardCharsets.UTF_8));
    Map<String, String> provenance = new LinkedHashMap<>(Provenance.worker());
    provenance.put("dataset_digest", request.dataset().digest());
    provenance.put("dataset", request.dataset().manifestUri());
    provenance.put("model_digest", context.catalog().digest(spec));
    provenance.put("preset", preset.name());
    provenance.put("input", spec.input().size() + " crop of " + spec.input().resize());
    provenance.put(
        "optimizer",
        String.format(
            Locale.ROOT,
            "AdamW(lr=%s, betas=(%s, %s), eps=%s,"
                + " weight_decay=%s), linear decay to 0, no warm-up",
            spec.finetuneLr(),
            AdamW.BETA1,
            AdamW.BETA2,
            AdamW.EPSILON,
            AdamW.WEIGHT_DECAY));
    provenance.put("lr", String.valueOf(spec.finetuneLr()));
    provenance.put(
        "max_grad_norm",
        config.maxGradNorm() == 0 ? "0 (no clipping)" : String.valueOf(config.maxGradNorm()));
    provenance.put("head", Network.headDescription(spec));
    provenance.put("batch_size", String.valueOf(preset.finetuneBatchSize()));
    provenance.put("epochs", String.valueOf(epochs));
    provenance.put(
        "epochs_from",
        request.epochs() != null
            ? "spec finetune_epochs"
            : "max(1, ceil(" + preset.finetuneSamples() + " / " + n + "))");
    provenance.put("steps", String.valueOf(run.totalSteps()));
    provenance.put("samples_seen", String.valueOf(run.samplesSeen()));
    if (preset.capsFinetuneSamples()) {
      provenance.put(
          "samples_cap",
          "cpu preset caps samples seen at "
              + preset.finetuneSamples()
              + " (the paper: "
              + Preset.PAPER_FINETUNE_SAMPLES
              + ")");
    }
    provenance.put(
        "final_loss",
        run.losses().length == 0
            ? "resumed at the end"
            : String.valueOf(run.losses()[run.losses().length - 1]));
    if (run.resumedFrom() != null) {
      provenance.put("resumed_from", run.resumedFrom());
      provenance.put("resumed_at_step", String.valueOf(run.firstStep()));
    }
    provenance.put("checkpoint_every", String.valueOf(checkpointEvery));
    provenance.put(
        "checkpoint_seconds", String.format(Locale.ROOT, "%.3f", run.checkpointSeconds()));
    provenance.put("device", device);
    provenance.put("augmentation", augmentation.spec().describe());
    provenance.put("vote_frames", Evaluator.describeVoteFrames(voteFrames));
    provenance.put("numerics_encoder", encoderCanary.provenance());
    provenance.put("numerics_evaluation", evalCanary.summary());
    if (finalUri != null) {
      provenance.put("final_model", finalUri);
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
            n,
            run.trainSeconds(),
            inferMs,
            params,
            classes,
            evaluations.scores(),
            evaluations.confusion(),
            idsKey,
            provenance,
            evaluations.outcomes());
    context.store().put(key, JSON.writeValueAsBytes(record));
    checkpoints.deleteAll(request.keepFinalModel());
    return CellRecords.toResult(record, context.store().uri(key), false);
  }

  private static Augmentation augmentation(FinetuneCellRequest request) {
    try {
      return Augmentation.of(request.augmentation());
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
  }

  /**
   * The pretrained encoder's canary at the training batch size, before any step (once per model and
   * worker): the kernels that training runs forward are the ones it checks.
   */
  private NumericsCanary.Report encoderCanary(ModelSpec spec, int batch, String device) {
    try (Encoder encoder = Encoders.open(context.catalog(), spec, null)) {
      return NumericsCanary.verify(
          encoder, context.catalog().folder(spec.id()), batch, device, () -> {});
    }
  }

  /**
   * The finetuned model's evaluation path at its evaluation batch size against batch 1 (its weights
   * are new, so there is no reference and nothing to remember across cells).
   */
  private static NumericsCanary.Report evaluationCanary(
      FinetunedModel model, int batch, String device) {
    NumericsCanary.Report report =
        NumericsCanary.run(
            model.spec(),
            chw -> toFloats(model.scores(chw)),
            Optional.empty(),
            batch,
            device,
            () -> {});
    if (!report.passed()) {
      throw new NumericsCheckFailedException(report.failure());
    }
    return report;
  }

  private static float[][] toFloats(double[][] rows) {
    float[][] out = new float[rows.length][];
    for (int r = 0; r < rows.length; r++) {
      out[r] = new float[rows[r].length];
      for (int c = 0; c < rows[r].length; c++) {
        out[r][c] = (float) rows[r][c];
      }
    }
    return out;
  }
}
