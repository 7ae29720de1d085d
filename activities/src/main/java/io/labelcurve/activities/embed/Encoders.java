package io.labelcurve.activities.embed;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.pytorch.jni.JniUtils;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.model.BuiltinModels;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.ModelSpec;
import io.labelcurve.activities.torch.TorchRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Opens {@link Encoder}s on DJL's PyTorch engine: TorchScript files of the catalog, or the built-in
 * ResNets.
 *
 * <p>Threads: PyTorch's intra-op pool is process-wide; {@link TorchRuntime} applies the configured
 * count when the engine starts, {@link #setIntraOpThreads} changes it later.
 */
public final class Encoders {
  private static final String ENGINE = TorchRuntime.ENGINE;

  private Encoders() {}

  /** The engine's default device (a GPU when there is one, else the CPU). */
  public static Device defaultDevice() {
    return engine().defaultDevice();
  }

  /** The version of DJL's libtorch, e.g. {@code 2.7.1}. */
  public static String engineVersion() {
    return engine().getVersion();
  }

  /** Sets PyTorch's intra-op threads for the whole process. */
  public static synchronized void setIntraOpThreads(int threads) {
    engine();
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    JniUtils.setNumThreads(threads);
  }

  /** PyTorch's intra-op threads now. */
  public static int intraOpThreads() {
    engine();
    return JniUtils.getNumThreads();
  }

  /**
   * Opens a catalog model: its file resolved in its folder, or a remote one downloaded into the
   * catalog's cache (once) and checked.
   */
  public static Encoder open(ModelCatalog catalog, ModelSpec spec, Device device) {
    if (spec.builtin()) {
      return open(spec, null, device);
    }
    return openFile(spec, catalog.modelFile(spec), device);
  }

  /**
   * Opens an encoder and checks, on one blank image, that it gives {@code embedding_dim} values, so
   * that a wrong model.json is refused before any real work.
   *
   * @param modelFolder the folder of its model.json (ignored for a built-in)
   * @param device null for {@link #defaultDevice()}
   */
  public static Encoder open(ModelSpec spec, Path modelFolder, Device device) {
    if (spec.builtin()) {
      return openFile(spec, null, device);
    }
    if (modelFolder == null && !Path.of(spec.file()).isAbsolute()) {
      throw new IllegalArgumentException(spec.id() + ": a relative file needs the model folder");
    }
    return openFile(
        spec, spec.resolveFile(modelFolder == null ? Path.of("") : modelFolder), device);
  }

  private static Encoder openFile(ModelSpec spec, Path file, Device device) {
    Engine engine = engine();
    Device dev = device == null ? engine.defaultDevice() : device;
    DjlEncoder enc = spec.builtin() ? builtin(spec, dev) : torchScript(spec, file, dev);
    int c = spec.input().channels();
    int s = spec.input().size();
    try {
      enc.embed(List.of(new float[c * s * s]));
    } catch (EngineException e) {
      enc.close();
      // Most often a module traced with its input size baked in (a ViT exported without
      // position-embedding interpolation) given a preset's smaller input.
      throw new BadInputException(
          spec.source()
              + ": model '"
              + spec.id()
              + "'"
              + (file == null ? "" : " (" + file + ")")
              + " fails on a "
              + c
              + "x"
              + s
              + "x"
              + s
              + " input, the size"
              + " its 'input' and the sweep's preset give it (CPU presets shrink inputs to at most"
              + " 160 px to embed, 96 px to finetune). A TorchScript module traced at one size may"
              + " take only that size: export it to follow the input's size (deploy/models/export.py"
              + " does), or run it with the paper preset. PyTorch said: "
              + lastLine(e.getMessage()),
          e);
    } catch (RuntimeException e) {
      enc.close();
      throw e;
    }
    return enc;
  }

  private static DjlEncoder torchScript(ModelSpec spec, Path file, Device device) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(
          spec.source() + ": field 'file' names " + file + ", which does not exist");
    }
    Model model = Model.newInstance(spec.id(), device, ENGINE);
    try {
      Path dir = file.toAbsolutePath().getParent();
      model.load(dir, file.getFileName().toString(), Map.of("mapLocation", "true"));
    } catch (IOException | MalformedModelException | EngineException e) {
      model.close();
      throw new BadInputException(
          spec.source()
              + ": field 'file' ("
              + file
              + ") cannot be loaded as TorchScript by PyTorch "
              + engine().getVersion()
              + ": "
              + e.getMessage()
              + "; export it with torch.jit.trace or torch.jit.script",
          e);
    }
    Block block = model.getBlock();
    return new DjlEncoder(spec, model, block, device, countParams(block));
  }

  /**
   * A built-in ResNet without its classifier (it ends in the global average pool and the flatten),
   * weights Kaiming-normal (fan-in, {@code N(0, 2/fan_in)}) from {@link Random} seeded per
   * parameter by (seed, parameter name): the same numbers on every machine and engine.
   *
   * <p>The networks are {@link ResNets}' (torchvision's layouts, from DJL blocks).
   */
  private static DjlEncoder builtin(ModelSpec spec, Device device) {
    Model model = Model.newInstance(spec.id(), device, ENGINE);
    Block trunk;
    try {
      trunk = builtinTrunk(spec, model.getNDManager());
      model.setBlock(trunk);
      trunk.freezeParameters(true);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return new DjlEncoder(spec, model, trunk, device, countParams(trunk));
  }

  /**
   * The built-in network of a spec, initialised in {@code manager} as described above
   * (Kaiming-normal weights from the spec's seed); its parameters are left trainable. Finetuning
   * uses it directly; {@link #open} freezes it.
   */
  public static Block builtinTrunk(ModelSpec spec, NDManager manager) {
    int layers = BuiltinModels.layersOf(spec.architecture());
    int c = spec.input().channels();
    int s = spec.input().size();
    if (s < 32) {
      throw new BadInputException(
          spec.source()
              + ": field 'input.size' is "
              + s
              + "; "
              + spec.architecture()
              + " needs at least 32");
    }
    SequentialBlock trunk = layers >= 50 ? ResNets.resnet50() : ResNets.basic(layers);
    trunk.initialize(manager, DataType.FLOAT32, new Shape(1, c, s, s));
    long seed = BuiltinModels.seedOf(spec);
    for (var p : trunk.getParameters()) {
      Parameter param = p.getValue();
      if (param.getType() != Parameter.Type.WEIGHT) {
        continue;
      }
      Shape shape = param.getArray().getShape();
      long fanIn = shape.size() / shape.get(0);
      double sd = Math.sqrt(2.0 / fanIn);
      Random r = new Random(seed * 1_000_003L + p.getKey().hashCode());
      float[] v = new float[Math.toIntExact(shape.size())];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (r.nextGaussian() * sd);
      }
      param.getArray().set(v);
    }
    return trunk;
  }

  private static String lastLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    String[] lines = message.strip().split("\n");
    // TorchScript errors end with the actual error after the serialized traceback.
    String last = lines[lines.length - 1].strip();
    return last.length() > 300 ? last.substring(0, 300) + "…" : last;
  }

  /** Parameters of a block (initialised arrays, else declared shapes). */
  public static long countParams(Block block) {
    long n = 0;
    for (var p : block.getParameters()) {
      Parameter param = p.getValue();
      if (param.isInitialized()) {
        n += param.getArray().getShape().size();
      } else if (param.getShape() != null) {
        n += param.getShape().size();
      }
    }
    return n;
  }

  private static Engine engine() {
    return TorchRuntime.engine();
  }

  /** {@code flat}, {@code n} vectors of {@code dim} one after the other, as one row per vector. */
  static float[][] rows(float[] flat, int n, int dim) {
    float[][] rows = new float[n][dim];
    for (int i = 0; i < n; i++) {
      System.arraycopy(flat, i * dim, rows[i], 0, dim);
    }
    return rows;
  }
}
