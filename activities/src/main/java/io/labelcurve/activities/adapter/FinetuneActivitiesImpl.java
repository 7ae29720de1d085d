package io.labelcurve.activities.adapter;

import ai.djl.Device;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.NumericsCheckFailedException;
import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.ManifestRow;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.device.DevicePool;
import io.labelcurve.activities.embed.Encoder;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.embed.NumericsCanary;
import io.labelcurve.activities.embed.Preprocessor;
import io.labelcurve.activities.finetune.Checkpoints;
import io.labelcurve.activities.finetune.FinetuneConfig;
import io.labelcurve.activities.finetune.FinetuneRun;
import io.labelcurve.activities.finetune.FinetuneTrainer;
import io.labelcurve.activities.finetune.FinetunedModel;
import io.labelcurve.activities.finetune.StopTraining;
import io.labelcurve.activities.finetune.TrainingListener;
import io.labelcurve.activities.finetune.TrainingStopped;
import io.labelcurve.activities.framestore.FrameImages;
import io.labelcurve.activities.image.Augmentation;
import io.labelcurve.activities.image.ImageLoader;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.model.Preset;
import io.labelcurve.activities.results.CellEvaluations;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.runtime.BackgroundHeartbeat;
import io.labelcurve.activities.runtime.CellAttempts;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.activities.runtime.WorkerShutdowns;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.plan.FinetuneSchedule;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityWorkerShutdownException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * See {@link FinetuneActivities}. Each cell trains and evaluates on a device slot of the worker's
 * {@link DevicePool}, leased for the cell and given back on every path out of it; its provenance
 * names the device and the slot. The checkpoint interval and the clipping norm are the worker's
 * settings (the constructor's).
 *
 * <p>When the worker drains, a cell still training checkpoints the step it is at and ends its
 * attempt with a retryable {@link WorkerShutdowns#failure}; the retry, on another worker, resumes
 * from that checkpoint ({@link Checkpoints#resumePoint}). A cell in its evaluation finishes.
 */
public final class FinetuneActivitiesImpl implements FinetuneActivities {
  /** Complete checkpoints kept per cell. */
  public static final int KEEP_CHECKPOINTS = 2;

  private final ActivityContext context;
  private final Manifests manifests;
  private final DevicePool devices;
  private final int checkpointEvery;
  private final double maxGradNorm;
  private final int loaderThreads;

  /**
   * Cells on the engine's default device, shared, clipping at {@value
   * FinetuneConfig#DEFAULT_MAX_GRAD_NORM} (tests and tools).
   *
   * @param checkpointEvery steps between checkpoints
   * @param loaderThreads threads loading the next batches
   */
  public FinetuneActivitiesImpl(
      ActivityContext context, Manifests manifests, int checkpointEvery, int loaderThreads) {
    this(
        context,
        manifests,
        DevicePool.shared(Encoders.defaultDevice()),
        checkpointEvery,
        FinetuneConfig.DEFAULT_MAX_GRAD_NORM,
        loaderThreads);
  }

  /**
   * @param devices the worker's device slots: a cell leases one for as long as it runs
   * @param checkpointEvery steps between checkpoints
   * @param maxGradNorm the gradient-clipping norm (0: none)
   * @param loaderThreads threads loading the next batches ({@link #defaultLoaderThreads})
   */
  public FinetuneActivitiesImpl(
      ActivityContext context,
      Manifests manifests,
      DevicePool devices,
      int checkpointEvery,
      double maxGradNorm,
      int loaderThreads) {
    this.context = context;
    this.manifests = manifests;
    this.devices = devices;
    this.checkpointEvery = checkpointEvery;
    this.maxGradNorm = maxGradNorm;
    this.loaderThreads = loaderThreads;
  }

  /** Half the cores, 1 to 4: enough to keep one training step fed. */
  public static int defaultLoaderThreads() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
  }

  @Override
  public CellResult runFinetuneCell(FinetuneCellRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    String heartbeat = ctx.getHeartbeatDetails(String.class).filter(s -> !s.isBlank()).orElse(null);
    Checkpoints checkpoints =
        new Checkpoints(
            context.store(),
            new SweepStore(context.store(), request.sweepId())
                .checkpointsPrefix(request.cell().id()),
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
    CellPipeline pipeline = new CellPipeline(context.store(), request.sweepId(), cell);
    Optional<CellResult> finished = pipeline.finished();
    if (finished.isPresent()) {
      return finished.get();
    }
    // Past the cached answer, which needs no device. The lease goes back however the cell ends,
    // a drain's or cancellation's exception included.
    try (DevicePool.Lease lease = devices.lease()) {
      return runOn(lease.slot(), pipeline, request, resumeFrom, listener);
    }
  }

  private CellResult runOn(
      DevicePool.Slot slot,
      CellPipeline pipeline,
      FinetuneCellRequest request,
      String resumeFrom,
      TrainingListener listener)
      throws IOException {
    Cell cell = request.cell();
    Preset preset = Preset.named(request.preset());
    ModelSpec spec = preset.applyFinetune(finetunable(cell.model()));
    Augmentation augmentation = augmentation(request);
    CellPipeline.Inputs in =
        pipeline.inputs(
            manifests, request.dataset(), augmentation.hasVariants(), request.voteFrames());
    int n = in.sample().subset().size();
    // The spec's explicit epochs (finetune_epochs, e.g. the paper's Table 6) win over the rule.
    int epochs =
        request.epochs() != null
            ? request.epochs()
            : FinetuneSchedule.epochs(n, preset.finetuneSamples());
    FinetuneConfig config =
        new FinetuneConfig(
            spec,
            context.catalog().folder(spec.id()).orElse(null),
            in.classes().size(),
            spec.finetuneLr(),
            preset.finetuneBatchSize(),
            epochs,
            cell.seed(),
            checkpointEvery,
            loaderThreads,
            slot.device(),
            maxGradNorm);
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
            context.store(), pipeline.sweep().checkpointsPrefix(cell.id()), KEEP_CHECKPOINTS);

    String device = String.valueOf(slot.device());
    NumericsCanary.Report encoderCanary =
        encoderCanary(spec, preset.finetuneBatchSize(), slot.device());

    FinetuneTrainer trainer = new FinetuneTrainer(config, images);
    FinetuneRun run =
        trainer.train(in.sample().subset().ids(), in.labels(), checkpoints, resumeFrom, listener);
    Evaluated evaluated =
        evaluate(
            request,
            in,
            run,
            trainer.preprocessor(),
            images,
            checkpoints,
            preset.finetuneBatchSize() * 4,
            device,
            listener);

    CellProvenance provenance =
        new CellProvenance(
            Provenance.worker(),
            request.dataset().digest(),
            request.dataset().manifestUri(),
            new FinetuneProvenance(
                context.catalog().digest(spec),
                preset,
                config,
                request.epochs() != null
                    ? FinetuneProvenance.EPOCHS_FROM_SPEC
                    : FinetuneProvenance.epochsRule(preset, n),
                run,
                device,
                slot.index() + " of " + slot.of(),
                encoderCanary.provenance(),
                evaluated.canary().summary(),
                evaluated.finalModel()),
            augmentation.spec().describe(),
            in.voteFrames(),
            Instant.now());
    CellResult result =
        pipeline.write(
            in,
            new CellPipeline.Measured(
                run.trainSeconds(), evaluated.inferMs(), evaluated.params(), evaluated.scores()),
            provenance);
    checkpoints.deleteAll(request.keepFinalModel());
    return result;
  }

  /** The catalog's model, refused at once when it has no finetuning learning rate. */
  private ModelSpec finetunable(String model) {
    ModelSpec catalogSpec = context.catalog().get(model);
    if (catalogSpec.finetuneLr() == null) {
      throw new BadInputException(
          catalogSpec.source()
              + ": model '"
              + model
              + "' has no 'finetune_lr'; add the learning rate to finetune it with (Table 4 of the"
              + " paper gives the foundation models')");
    }
    return catalogSpec;
  }

  /**
   * What evaluating the finetuned model gave.
   *
   * @param scores the scored test splits
   * @param inferMs inference time per test image
   * @param params the model's parameters
   * @param canary its evaluation path's numerics check
   * @param finalModel where its weights were kept, or null
   */
  private record Evaluated(
      CellEvaluations scores,
      double inferMs,
      long params,
      NumericsCanary.Report canary,
      String finalModel) {}

  /**
   * Scores the test splits with the trained model in batches of {@code evalBatch}, then closes it
   * (its weights kept first when the request asks).
   */
  private static Evaluated evaluate(
      FinetuneCellRequest request,
      CellPipeline.Inputs in,
      FinetuneRun run,
      Preprocessor pre,
      ImageLoader images,
      Checkpoints checkpoints,
      int evalBatch,
      String device,
      TrainingListener listener)
      throws IOException {
    CellEvaluations evaluations = new CellEvaluations();
    long inferNanos = 0;
    int inferred = 0;
    try (FinetunedModel model = run.model()) {
      NumericsCanary.Report canary = evaluationCanary(model, evalBatch, device);
      for (String split : request.testSplits()) {
        List<ManifestRow> test = in.manifest().rowsOf(split);
        double[][] s = new double[test.size()][];
        for (int from = 0; from < test.size(); from += evalBatch) {
          int to = Math.min(test.size(), from + evalBatch);
          List<float[]> chw = new ArrayList<>(to - from);
          for (int i = from; i < to; i++) {
            chw.add(pre.input(images, test.get(i).image()));
          }
          long t0 = System.nanoTime();
          double[][] batch = model.scores(chw);
          inferNanos += System.nanoTime() - t0;
          System.arraycopy(batch, 0, s, from, batch.length);
        }
        inferred += test.size();
        in.evaluate(split, test, s, evaluations);
        listener.onStep(run.totalSteps(), run.totalSteps(), run.epochs() - 1, Double.NaN, 0);
      }
      String finalUri = request.keepFinalModel() ? checkpoints.writeFinal(model.weights()) : null;
      double inferMs = inferred == 0 ? 0 : inferNanos / 1e6 / inferred;
      return new Evaluated(evaluations, inferMs, model.params(), canary, finalUri);
    }
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
  private NumericsCanary.Report encoderCanary(ModelSpec spec, int batch, Device device) {
    try (Encoder encoder = Encoders.open(context.catalog(), spec, device)) {
      return NumericsCanary.verify(
          encoder, context.catalog().folder(spec.id()), batch, String.valueOf(device), () -> {});
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
