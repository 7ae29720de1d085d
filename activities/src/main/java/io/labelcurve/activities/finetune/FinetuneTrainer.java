package io.labelcurve.activities.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.Shuffle;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.embed.Preprocessor;
import io.labelcurve.activities.image.ImageLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Full finetuning on DJL's PyTorch engine, in the manner of a Tribuo trainer: a {@link
 * FinetuneConfig} in, {@link #train} on labelled image ids, a {@link FinetunedModel} out.
 *
 * <p>The encoder (every weight trainable) and a linear head are trained with softmax cross-entropy
 * and {@link AdamW} (betas 0.9/0.999, eps 1e-8, no weight decay, gradients clipped to a total norm
 * of {@code maxGradNorm}, 1.0 by default) under a {@link LinearDecay} from the learning rate to 0
 * over all steps, no warm-up: the HF Trainer's defaults. Each epoch visits the images in its own
 * seeded order (the last batch may be short); the next batches are loaded and preprocessed on
 * {@code loaderThreads} threads while a step runs. Every step's arrays live in one sub-manager,
 * closed at the end of the step, so memory stays flat.
 *
 * <p>Checkpoints ({@link Checkpoints}) are written every {@code checkpointEvery} steps and at the
 * end of every epoch of at least {@code checkpointEvery} steps (a small cell's epochs are a step or
 * two: a checkpoint after each would write the whole model and AdamW's moments, 280 MB for a
 * ResNet-50, every step, to protect less work than K steps): weights (and batch-norm statistics),
 * AdamW's moments and step, the epoch, the position in its order and the seeds ({@link
 * CheckpointState}). {@link #train} given a checkpoint continues from it: its first step is the
 * checkpoint's step + 1, and on a CPU the run ends with the same weights, bit for bit, as one that
 * was never interrupted (PyTorch's CPU kernels are deterministic for a fixed thread count; on a
 * GPU, cuDNN's may not be).
 *
 * <p>A listener that throws {@link StopTraining} stops the run resumably: a checkpoint of the step
 * just taken is written and {@link TrainingStopped} thrown (a draining worker's hand-over).
 *
 * <p>PyTorch's generator is process-wide and re-seeded before every step: run one finetuning at a
 * time per process (the GPU queue's one activity per GPU does).
 */
public final class FinetuneTrainer {
  private static final Logger log = LoggerFactory.getLogger(FinetuneTrainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long ORDER_SALT = 0x0D7A_0DE7_5EED_0001L;
  private static final String OPTIMIZER = "optimizer.ndlist";
  private static final int STATE_VERSION = 1;

  private final FinetuneConfig config;
  private final ImageLoader loader;
  private final Preprocessor preprocessor;
  private volatile Network current;

  public FinetuneTrainer(FinetuneConfig config, ImageLoader loader) {
    this.config = config;
    this.loader = loader;
    this.preprocessor = new Preprocessor(config.spec());
  }

  public FinetuneConfig config() {
    return config;
  }

  public Preprocessor preprocessor() {
    return preprocessor;
  }

  /**
   * Arrays held now by the manager of the model being trained (its sub-managers included), or -1
   * when no training runs: after warm-up it stays the same from step to step (leak checks).
   */
  public int managedArrays() {
    Network n = current;
    return n == null ? -1 : n.managedArrays();
  }

  /** Trains from scratch without checkpoints. */
  public FinetuneRun train(List<String> ids, int[] labels) throws IOException {
    return train(ids, labels, null, null, TrainingListener.NONE);
  }

  /**
   * Trains on {@code ids} (image ids for the loader) with {@code labels} (class indices).
   *
   * @param checkpoints where checkpoints go; null for none
   * @param resumeFrom a checkpoint URI to continue from (e.g. the last heartbeat's); null to use
   *     the newest complete one of {@code checkpoints}, if any. A damaged checkpoint (a file that
   *     does not match its digest) is passed over for the next older intact one. A checkpoint of
   *     other settings or data (its fingerprint differs) is ignored with a warning, and training
   *     starts over.
   */
  public FinetuneRun train(
      List<String> ids,
      int[] labels,
      Checkpoints checkpoints,
      String resumeFrom,
      TrainingListener listener)
      throws IOException {
    int n = ids.size();
    if (n == 0 || labels.length != n) {
      throw new IllegalArgumentException(
          "need as many labels as images (>= 1): " + n + ", " + labels.length);
    }
    for (int y : labels) {
      if (y < 0 || y >= config.numClasses()) {
        throw new IllegalArgumentException(
            "label " + y + " outside [0, " + config.numClasses() + ")");
      }
    }
    int batch = config.batchSize();
    int stepsPerEpoch = (n + batch - 1) / batch;
    long total = (long) config.epochs() * stepsPerEpoch;
    String fingerprint = fingerprint(ids, labels);

    Map<String, byte[]> resume = null;
    CheckpointState state = null;
    String resumedFrom = null;
    if (checkpoints != null) {
      Optional<Checkpoints.Loaded> loaded = checkpoints.load(resumeFrom);
      if (loaded.isPresent()) {
        String uri = loaded.get().uri();
        Map<String, byte[]> files = loaded.get().files();
        CheckpointState s = JSON.readValue(files.get(Checkpoints.STATE), CheckpointState.class);
        if (s.version() == STATE_VERSION
            && fingerprint.equals(s.fingerprint())
            && s.totalSteps() == total) {
          resume = files;
          state = s;
          resumedFrom = uri;
        } else {
          log.warn("checkpoint {} is of other settings or data; training from scratch", uri);
        }
      }
    }

    Device device = config.device() == null ? Encoders.defaultDevice() : config.device();
    Network net =
        Network.open(
            config.spec(),
            config.modelFolder(),
            config.numClasses(),
            config.seed(),
            device,
            resume == null ? null : resume.get(Network.ENCODER_PT));
    ExecutorService pool = null;
    boolean ok = false;
    current = net;
    try (AdamW optimizer =
        new AdamW(
            net.trainable(),
            new LinearDecay(config.learningRate(), total),
            AdamW.WEIGHT_DECAY,
            config.maxGradNorm(),
            net.manager().newSubManager(device))) {
      long done = 0;
      double seconds = 0;
      List<String> names = net.trainableNames();
      if (resume != null) {
        if (!names.equals(state.trainable())) {
          throw new IllegalStateException(resumedFrom + " holds other parameters than the model");
        }
        try (NDManager scratch = net.manager().newSubManager(device)) {
          net.restore(resume, scratch);
          optimizer.restore(NDList.decode(scratch, resume.get(OPTIMIZER)), state.step());
        }
        done = state.step();
        seconds = state.trainSeconds();
      }
      listener.onStart(done + 1, total, resumedFrom);
      double[] losses = new double[Math.toIntExact(total - done)];
      double checkpointSeconds = 0;
      String last = resumedFrom;
      pool =
          Executors.newFixedThreadPool(
              config.loaderThreads(),
              r -> {
                Thread t = new Thread(r, "finetune-loader");
                t.setDaemon(true);
                return t;
              });
      int c = preprocessor.channels();
      int s = preprocessor.size();
      int firstEpoch = (int) (done / stepsPerEpoch);
      SplittableRandom root = new SplittableRandom(config.seed() ^ ORDER_SALT);
      for (int e = 0; e < firstEpoch; e++) {
        root.split();
      }
      for (int epoch = firstEpoch; epoch < config.epochs(); epoch++) {
        int[] order = permutation(root.split(), n);
        int from = epoch == firstEpoch ? (int) (done % stepsPerEpoch) : 0;
        Deque<Future<Batch>> ahead = new ArrayDeque<>();
        int queued = from;
        int depth = config.loaderThreads() + 1;
        for (int b = from; b < stepsPerEpoch; b++) {
          while (queued < stepsPerEpoch && ahead.size() < depth) {
            int q = queued++;
            ahead.add(pool.submit(() -> load(order, q, ids, labels)));
          }
          Batch bt = await(ahead.poll());
          long step = (long) epoch * stepsPerEpoch + b + 1;
          long t0 = System.nanoTime();
          double lr = optimizer.nextLearningRate();
          double loss = step(net, optimizer, bt, c, s, step, device);
          seconds += (System.nanoTime() - t0) / 1e9;
          losses[Math.toIntExact(step - done - 1)] = loss;
          boolean epochEnd = b == stepsPerEpoch - 1;
          try {
            listener.onStep(step, total, epoch, loss, lr);
          } catch (StopTraining stop) {
            // Asked to stop (the worker drains): save this step at once, so that the retry
            // elsewhere loses nothing, and say where it is.
            String uri =
                checkpoints == null
                    ? null
                    : checkpoint(
                        checkpoints,
                        net,
                        optimizer,
                        state(
                            fingerprint,
                            step,
                            total,
                            epoch,
                            b,
                            stepsPerEpoch,
                            epochEnd,
                            optimizer,
                            loss,
                            seconds,
                            names));
            log.info("stopped after step {} of {} on request; checkpoint {}", step, total, uri);
            throw new TrainingStopped(step, total, uri, stop);
          }
          if (checkpoints != null
              && (step % config.checkpointEvery() == 0
                  || (epochEnd && stepsPerEpoch >= config.checkpointEvery()))) {
            long w0 = System.nanoTime();
            last =
                checkpoint(
                    checkpoints,
                    net,
                    optimizer,
                    state(
                        fingerprint,
                        step,
                        total,
                        epoch,
                        b,
                        stepsPerEpoch,
                        epochEnd,
                        optimizer,
                        loss,
                        seconds,
                        names));
            checkpointSeconds += (System.nanoTime() - w0) / 1e9;
            try {
              listener.onCheckpoint(step, last);
            } catch (StopTraining stop) {
              // This step's checkpoint is complete already.
              log.info("stopped after step {} of {} on request; checkpoint {}", step, total, last);
              throw new TrainingStopped(step, total, last, stop);
            }
          }
        }
      }
      ok = true;
      return new FinetuneRun(
          new FinetunedModel(net, config.spec()),
          done + 1,
          total,
          stepsPerEpoch,
          config.epochs(),
          (long) config.epochs() * n,
          losses,
          seconds,
          checkpointSeconds,
          resumedFrom,
          last);
    } finally {
      current = null;
      if (pool != null) {
        pool.shutdownNow();
      }
      if (!ok) {
        net.close();
      }
    }
  }

  /**
   * One step: forward, softmax cross-entropy, backward, AdamW; all temporaries in one manager.
   * FinetuneReferenceTest takes these steps against PyTorch's.
   */
  static double step(
      Network net, AdamW optimizer, Batch bt, int c, int s, long step, Device device) {
    try (NDManager m = net.manager().newSubManager(device)) {
      double loss;
      // Cells on other device slots of this process take turns here: DJL allows one gradient
      // collector per process (a second fails: "Only one can be collecting at a time"), and
      // torch's manual_seed sets the process's generators, which a concurrent step would move.
      // The optimiser's update touches only this network and runs outside.
      synchronized (GRADIENT_LOCK) {
        JniUtils.setSeed(mix(bt.seed, step));
        try (GradientCollector gc = Network.engine().newGradientCollector()) {
          NDArray x = m.create(bt.x, new Shape(bt.n, c, s, s));
          NDArray logits = net.logits(m, x, true);
          NDArray onehot = m.create(bt.onehot, new Shape(bt.n, bt.k));
          NDArray l = logits.logSoftmax(1).mul(onehot).sum().neg().div(bt.n);
          gc.backward(l);
          loss = l.getFloat();
        }
      }
      optimizer.update(m);
      return loss;
    }
  }

  /** Held by one training step's forward and backward pass at a time, process-wide. */
  private static final Object GRADIENT_LOCK = new Object();

  /**
   * What a checkpoint after step {@code step} (the {@code b}-th of epoch {@code epoch}) records: an
   * epoch's last step resumes at the next epoch's start.
   */
  private CheckpointState state(
      String fingerprint,
      long step,
      long total,
      int epoch,
      int b,
      int stepsPerEpoch,
      boolean epochEnd,
      AdamW optimizer,
      double loss,
      double seconds,
      List<String> names) {
    return new CheckpointState(
        STATE_VERSION,
        fingerprint,
        step,
        total,
        epochEnd ? epoch + 1 : epoch,
        epochEnd ? 0 : b + 1,
        stepsPerEpoch,
        config.seed(),
        "SplittableRandom(seed ^ " + Long.toHexString(ORDER_SALT) + "), split() per epoch",
        "torch manual_seed(mix(seed, step)) before each step",
        config.learningRate(),
        optimizer.nextLearningRate(),
        loss,
        seconds,
        names,
        Instant.now().toString());
  }

  private String checkpoint(
      Checkpoints checkpoints, Network net, AdamW optimizer, CheckpointState cs)
      throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>(net.save());
    files.put(OPTIMIZER, optimizer.state().encode());
    return checkpoints.write(cs.step(), files, JSON.writeValueAsBytes(cs));
  }

  /** One batch, preprocessed: inputs, one-hot labels. */
  record Batch(int n, int k, float[] x, float[] onehot, long seed) {}

  private Batch load(int[] order, int b, List<String> ids, int[] labels) throws IOException {
    int from = b * config.batchSize();
    int to = Math.min(order.length, from + config.batchSize());
    int per = preprocessor.length();
    int k = config.numClasses();
    float[] x = new float[(to - from) * per];
    float[] onehot = new float[(to - from) * k];
    for (int i = from; i < to; i++) {
      int idx = order[i];
      System.arraycopy(preprocessor.input(loader, ids.get(idx)), 0, x, (i - from) * per, per);
      onehot[(i - from) * k + labels[idx]] = 1f;
    }
    return new Batch(to - from, k, x, onehot, config.seed());
  }

  private static Batch await(Future<Batch> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while loading a batch", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(e.getCause());
    }
  }

  static int[] permutation(SplittableRandom r, int n) {
    return Shuffle.permutation(n, r);
  }

  /** SplitMix64 of two values. */
  static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Settings and data of the run: a checkpoint is resumed only by the same run. */
  private String fingerprint(List<String> ids, int[] labels) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(
          (config.spec().id()
                  + "\n"
                  + config.spec().preprocessing()
                  + "\n"
                  + config.numClasses()
                  + " "
                  + config.learningRate()
                  + " "
                  + config.batchSize()
                  + " "
                  + config.epochs()
                  + " "
                  + config.seed()
                  + "\n"
                  // A checkpoint of a run without clipping (before it existed) is not resumed with
                  // it.
                  + "max_grad_norm "
                  + config.maxGradNorm()
                  + "\n")
              .getBytes(StandardCharsets.UTF_8));
      for (String id : ids) {
        md.update((id + "\n").getBytes(StandardCharsets.UTF_8));
      }
      md.update(Arrays.toString(labels).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
