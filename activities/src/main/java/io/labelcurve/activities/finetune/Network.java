package io.labelcurve.activities.finetune;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.embed.Encoders;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.torch.TorchRuntime;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The encoder with every weight trainable plus a linear head, in one DJL model's manager. The head
 * is the model's {@link ModelSpec.FinetuneHead} where model.json gives one (HF's
 * image-classification head: what it reads, e.g. DINOv2's concat(CLS, mean patch token) from a
 * module of its own, and normal(0, std) weights with a zero bias), else a linear layer on the
 * embedding initialised as {@code torch.nn.Linear}. A TorchScript encoder is loaded with {@code
 * trainParam} (its parameters require gradients) and checkpointed as a whole TorchScript module
 * (parameters and buffers such as batch norm statistics); a built-in one is DJL blocks,
 * checkpointed as an {@link NDList} of all its parameters (running statistics included).
 */
public final class Network implements AutoCloseable {
  static final String ENCODER_PT = "encoder.pt";
  static final String ENCODER_PARAMS = "encoder.ndlist";
  static final String HEAD_PARAMS = "head.ndlist";

  private final ModelSpec spec;
  private final Model model;
  private final Block encoder;
  private final Linear head;
  private final Device device;

  private Network(ModelSpec spec, Model model, Block encoder, Linear head, Device device) {
    this.spec = spec;
    this.model = model;
    this.encoder = encoder;
    this.head = head;
    this.device = device;
  }

  /**
   * Opens the encoder (from its file — the finetune head's module when model.json names one — or
   * from a checkpoint's {@code encoder.pt} when given) and a head of {@code numClasses} outputs,
   * initialised from {@code seed} as {@link #headDescription} says.
   */
  static Network open(
      ModelSpec spec,
      Path modelFolder,
      int numClasses,
      long seed,
      Device device,
      byte[] checkpointModule)
      throws IOException {
    Model model = Model.newInstance(spec.id() + "-finetune", device, engine().getEngineName());
    try {
      Block encoder;
      if (spec.builtin()) {
        encoder = Encoders.builtinTrunk(spec, model.getNDManager());
        model.setBlock(encoder);
      } else {
        Path folder = modelFolder == null ? Path.of("") : modelFolder;
        Path file =
            spec.finetuneHead() != null && spec.finetuneHead().file() != null
                ? folder.resolve(spec.finetuneHead().file()).normalize()
                : spec.resolveFile(folder);
        Path tmp = null;
        try {
          if (checkpointModule != null) {
            tmp = Files.createTempDirectory("labelcurve-ckpt");
            file = Files.write(tmp.resolve(ENCODER_PT), checkpointModule);
          }
          model.load(
              file.toAbsolutePath().getParent(),
              file.getFileName().toString(),
              Map.of("trainParam", "true", "mapLocation", "true"));
        } catch (MalformedModelException e) {
          throw new BadInputException(
              spec.source()
                  + ": "
                  + file
                  + " cannot be loaded as a "
                  + "trainable TorchScript module: "
                  + e.getMessage(),
              e);
        } finally {
          if (tmp != null) {
            Files.deleteIfExists(tmp.resolve(ENCODER_PT));
            Files.deleteIfExists(tmp);
          }
        }
        encoder = model.getBlock();
        // The module may come back in eval mode; PtSymbolBlock believes it is in training mode.
        JniUtils.enableTrainingMode((PtSymbolBlock) encoder);
      }
      for (Pair<String, Parameter> p : encoder.getParameters()) {
        Parameter param = p.getValue();
        if (param.requiresGradient()) {
          param.getArray().setRequiresGradient(true);
        }
      }
      Linear head = Linear.builder().setUnits(numClasses).build();
      head.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, spec.headInputDim()));
      initHead(head, spec, seed);
      return new Network(spec, model, encoder, head, device);
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * The head's start: HF's classifiers draw weights from normal(0, std) and zero the bias (DINOv2's
   * {@code trunc_normal_} at ±2 is the same at std 0.02); {@code torch.nn.Linear} draws both
   * uniform in ±1/√dim. Seeded, so that a cell's head is the same on every attempt.
   */
  private static void initHead(Linear head, ModelSpec spec, long seed) {
    Random r = new Random(seed * 0x9E3779B97F4A7C15L + 0x4EAD);
    ModelSpec.FinetuneHead h = spec.finetuneHead();
    double bound = 1 / Math.sqrt(spec.headInputDim());
    for (Pair<String, Parameter> p : head.getParameters()) {
      NDArray a = p.getValue().getArray();
      boolean bias = a.getShape().dimension() == 1;
      float[] v = new float[Math.toIntExact(a.getShape().size())];
      for (int i = 0; i < v.length; i++) {
        v[i] =
            h == null
                ? (float) ((r.nextDouble() * 2 - 1) * bound)
                : bias ? 0f : (float) (r.nextGaussian() * h.initStd());
      }
      a.set(v);
      a.setRequiresGradient(true);
    }
  }

  /** What the head reads and how it starts, for a result's provenance. */
  public static String headDescription(ModelSpec spec) {
    ModelSpec.FinetuneHead h = spec.finetuneHead();
    if (h == null) {
      return "linear on the embedding ("
          + spec.embeddingDim()
          + "), torch.nn.Linear init"
          + " (uniform in ±1/sqrt(dim), bias too)";
    }
    return "linear on "
        + (h.description() != null
            ? h.description()
            : h.file() != null ? "the output of " + h.file() : "the embedding")
        + " ("
        + h.dim()
        + "), weights normal(0, "
        + h.initStd()
        + "), bias 0"
        + (h.hfClass() != null ? "; as " + h.hfClass() : "; no HF image-classification class");
  }

  NDManager manager() {
    return model.getNDManager();
  }

  Device device() {
    return device;
  }

  /** Names of the trainable arrays, encoder then head (the optimiser's and checkpoint's order). */
  List<String> trainableNames() {
    return trainableParameters().stream().map(Pair::getKey).toList();
  }

  /** The trainable arrays, in {@link #trainableNames()} order. */
  List<NDArray> trainable() {
    return trainableParameters().stream().map(p -> p.getValue().getArray()).toList();
  }

  /** The encoder's parameters that take gradients, then all of the head's, with prefixed names. */
  private List<Pair<String, Parameter>> trainableParameters() {
    List<Pair<String, Parameter>> out = new ArrayList<>();
    for (Pair<String, Parameter> p : encoder.getParameters()) {
      if (p.getValue().requiresGradient()) {
        out.add(new Pair<>("encoder." + p.getKey(), p.getValue()));
      }
    }
    for (Pair<String, Parameter> p : head.getParameters()) {
      out.add(new Pair<>("head." + p.getKey(), p.getValue()));
    }
    return out;
  }

  long params() {
    return Encoders.countParams(encoder) + Encoders.countParams(head);
  }

  /** Class scores (logits) of a batch; arrays of the pass live in {@code m}. */
  NDArray logits(NDManager m, NDArray x, boolean training) {
    return head.forward(
            new ParameterStore(m, false), new NDList(embeddings(m, x, training)), training)
        .get(0);
  }

  /** The encoder's output of a batch, one row per image; arrays of the pass live in {@code m}. */
  NDArray embeddings(NDManager m, NDArray x, boolean training) {
    NDArray emb = encoder.forward(new ParameterStore(m, false), new NDList(x), training).get(0);
    long n = x.getShape().get(0);
    if (emb.getShape().dimension() != 2) {
      emb = emb.reshape(n, -1);
    }
    if (emb.getShape().get(1) != spec.headInputDim()) {
      throw new BadInputException(
          spec.source()
              + ": field '"
              + (spec.finetuneHead() != null ? "finetune_head.dim" : "embedding_dim")
              + "' is "
              + spec.headInputDim()
              + " but the model gives "
              + emb.getShape());
    }
    return emb;
  }

  /** The encoder and head weights as checkpoint files. */
  Map<String, byte[]> save() {
    byte[] enc;
    String encName;
    if (encoder instanceof PtSymbolBlock pt) {
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      JniUtils.writeModule(pt, bos, false);
      enc = bos.toByteArray();
      encName = ENCODER_PT;
    } else {
      enc = encode(encoder);
      encName = ENCODER_PARAMS;
    }
    return Map.of(encName, enc, HEAD_PARAMS, encode(head));
  }

  /** Restores what {@link #save()} wrote (a TorchScript encoder is restored by {@link #open}). */
  void restore(Map<String, byte[]> files, NDManager scratch) {
    if (!(encoder instanceof PtSymbolBlock)) {
      decodeInto(encoder, files.get(ENCODER_PARAMS), scratch);
    }
    decodeInto(head, files.get(HEAD_PARAMS), scratch);
  }

  private static byte[] encode(Block block) {
    NDList list = new NDList();
    for (Pair<String, Parameter> p : block.getParameters()) {
      list.add(p.getValue().getArray());
    }
    return list.encode();
  }

  private static void decodeInto(Block block, byte[] bytes, NDManager scratch) {
    if (bytes == null) {
      throw new IllegalStateException("checkpoint lacks the parameters of a block");
    }
    NDList list = NDList.decode(scratch, bytes);
    int i = 0;
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (Pair<String, Parameter> p : block.getParameters()) {
        AdamW.copy(list.get(i++), p.getValue().getArray());
      }
    } finally {
      JniUtils.setGradMode(grad);
    }
    if (i != list.size()) {
      throw new IllegalStateException("checkpoint has " + list.size() + " arrays, block " + i);
    }
  }

  /** Arrays held by the model's manager and its open sub-managers (for leak checks). */
  int managedArrays() {
    return model.getNDManager().getManagedArrays().size();
  }

  static Engine engine() {
    return TorchRuntime.engine();
  }

  @Override
  public void close() {
    model.close();
  }
}
