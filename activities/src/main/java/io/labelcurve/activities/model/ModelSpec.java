package io.labelcurve.activities.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.JsonFields;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One encoder of the catalog, as its folder's {@code model.json} describes it.
 *
 * <p>Required: {@code id} (equal to the folder's name; lower-case letters, digits, {@code . _ -}),
 * {@code format} ({@code torchscript}, or {@code builtin} for an architecture built in DJL), {@code
 * file} (TorchScript file, relative to the folder, absolute, or a {@code file:} URI; not for {@code
 * builtin}), {@code input.channels}, {@code input.size}, {@code normalization.mean}, {@code
 * normalization.std} (one value, or one per channel), {@code embedding_dim}. Optional: {@code
 * input.resize} (default 256: the protocol's image side; the image is resized to it, then
 * centre-cropped to {@code size}), {@code sha256} (of the file; checked), {@code description},
 * {@code params_m}, {@code finetune_lr}, {@code licence}, {@code provenance}, and for {@code
 * builtin} {@code architecture} ({@code resnet18}, {@code resnet34}, {@code resnet50}) and {@code
 * seed}, and {@code finetune_head} ({@link FinetuneHead}: what the finetune head reads and how it
 * starts). Any other field is refused, so that a typo does not silently fall back to a default.
 *
 * @param source the model.json it was read from, or {@code <built-in>}; for messages
 */
public record ModelSpec(
    String id,
    String description,
    String format,
    String file,
    String sha256,
    Input input,
    Normalization normalization,
    int embeddingDim,
    Double paramsM,
    Double finetuneLr,
    String licence,
    String provenance,
    String architecture,
    Long seed,
    String source,
    FinetuneHead finetuneHead) {

  public static final String TORCHSCRIPT = "torchscript";
  public static final String BUILTIN = "builtin";

  /** The side of the protocol's grey images, which preprocessing starts from. */
  public static final int BASE_SIZE = 256;

  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TOP =
      Set.of(
          "id",
          "description",
          "format",
          "file",
          "sha256",
          "input",
          "normalization",
          "embedding_dim",
          "params_m",
          "finetune_lr",
          "licence",
          "provenance",
          "architecture",
          "seed",
          "finetune_head");
  private static final Set<String> HEAD =
      Set.of("file", "dim", "init_std", "hf_class", "description");
  private static final Set<String> INPUT = Set.of("channels", "size", "resize");
  private static final Set<String> NORM = Set.of("mean", "std");

  /**
   * @param channels channels the encoder takes (grey is repeated to them)
   * @param size side of the square centre crop the encoder sees
   * @param resize side the 256×256 image is resized to before the crop
   */
  public record Input(int channels, int size, int resize) {}

  /** Per-channel mean and standard deviation, each of {@code channels} values. */
  public record Normalization(float[] mean, float[] std) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Normalization n
          && Arrays.equals(mean, n.mean)
          && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
      return "mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std);
    }
  }

  /**
   * The linear head finetuning puts on the encoder, as HF's image-classification class of the model
   * defines it where transformers has one ({@code model.json}'s {@code finetune_head}). Without it
   * the head reads the embedding and starts as {@code torch.nn.Linear} does (uniform in ±1/√dim,
   * bias too): models that are not the paper's, and the built-in ResNets.
   *
   * @param file a TorchScript module (relative to the model's folder) that gives the head's input
   *     and is finetuned in place of the encoder, e.g. DINOv2's concat(CLS, mean patch token); null
   *     when the head reads the encoder's embedding
   * @param dim width of the head's input ({@code embedding_dim} when {@code file} is null)
   * @param initStd the head's weights start as normal(0, initStd), its bias as 0
   * @param hfClass the transformers class whose head this is, or null where there is none
   * @param description what the head reads, in words
   */
  public record FinetuneHead(
      String file, int dim, double initStd, String hfClass, String description) {}

  /** The width of the finetune head's input. */
  public int headInputDim() {
    return finetuneHead != null ? finetuneHead.dim() : embeddingDim;
  }

  public boolean builtin() {
    return BUILTIN.equals(format);
  }

  /** Parameter count from {@code params_m}, or -1 when the catalog does not say. */
  public long declaredParams() {
    return paramsM == null ? -1 : Math.round(paramsM * 1e6);
  }

  /**
   * The same model at another input size (a compute preset's choice): crop {@code size} of an image
   * resized to {@code resize}. Its {@link ModelCatalog#digest(ModelSpec) digest} differs.
   */
  public ModelSpec withInput(int size, int resize) {
    Input in = new Input(input.channels(), size, resize);
    JsonFields fields = JsonFields.of(source, null);
    check(in, fields);
    fields.throwIfAny();
    return new ModelSpec(
        id,
        description,
        format,
        file,
        sha256,
        in,
        normalization,
        embeddingDim,
        paramsM,
        finetuneLr,
        licence,
        provenance,
        architecture,
        seed,
        source,
        finetuneHead);
  }

  /** The same model with another normalisation (one value per channel). */
  public ModelSpec withNormalization(float[] mean, float[] std) {
    if (mean.length != input.channels() || std.length != input.channels()) {
      throw new IllegalArgumentException("mean and std need " + input.channels() + " values");
    }
    return new ModelSpec(
        id,
        description,
        format,
        file,
        sha256,
        input,
        new Normalization(mean.clone(), std.clone()),
        embeddingDim,
        paramsM,
        finetuneLr,
        licence,
        provenance,
        architecture,
        seed,
        source,
        finetuneHead);
  }

  /**
   * The preprocessing as one canonical line; part of the model digest and of the embeddings'
   * manifest. Changing how {@code Preprocessor} works must change {@code prep=v1} here.
   */
  public String preprocessing() {
    return String.format(
        Locale.ROOT,
        "prep=v1 base=%d resize=%d crop=%d channels=%d %s",
        BASE_SIZE,
        input.resize(),
        input.size(),
        input.channels(),
        normalization);
  }

  /** Reads and checks one {@code model.json}. */
  public static ModelSpec read(Path modelJson) {
    String where = modelJson.toString();
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(modelJson));
    } catch (IOException e) {
      throw new BadInputException(where + ": cannot read it as JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new BadInputException(where + ": expected a JSON object");
    }
    ModelSpec spec = parse(root, where);
    Path folder = modelJson.toAbsolutePath().getParent();
    if (folder != null
        && folder.getFileName() != null
        && !folder.getFileName().toString().equals(spec.id())) {
      throw new BadInputException(
          where
              + ": id: '"
              + spec.id()
              + "' but the folder is '"
              + folder.getFileName()
              + "'; name the folder after the id");
    }
    return spec;
  }

  /**
   * Parses a model.json tree through {@link JsonFields}; {@code where} names it in messages, which
   * list every bad field at once.
   */
  public static ModelSpec parse(JsonNode root, String where) {
    JsonFields f = JsonFields.of(where, root);
    f.onlyKnown(TOP);
    String id = f.text("id");
    if (id != null && !ID.matcher(id).matches()) {
      f.problem(
          "id",
          "'"
              + id
              + "'; use 1-64 lower-case letters, digits, '.', '_' or '-' (it becomes part of bucket"
              + " keys)");
    }
    String format = f.text("format");
    if (format != null && !TORCHSCRIPT.equals(format) && !BUILTIN.equals(format)) {
      f.problem(
          "format",
          "'"
              + format
              + "'; expected '"
              + TORCHSCRIPT
              + "' (a TorchScript file) or '"
              + BUILTIN
              + "'");
    }
    boolean builtin = BUILTIN.equals(format);
    String file = builtin ? f.text("file", null) : f.text("file");
    String sha = f.text("sha256", null);
    if (sha != null && !sha.matches("[0-9a-fA-F]{64}")) {
      f.problem("sha256", "is not 64 hex digits");
    }
    if (file != null && hasScheme(file)) {
      String scheme = file.substring(0, file.indexOf(':')).toLowerCase(Locale.ROOT);
      if (!Set.of("file", "http", "https", "s3").contains(scheme)) {
        f.problem("file", "'" + file + "'; use a path, a file:, https:// or s3:// URI");
      } else if (ModelSources.isRemote(file) && sha == null) {
        f.problem(
            "sha256",
            "required when 'file' is a URI (" + file + "): the download is checked against it");
      }
    }
    String architecture = builtin ? f.text("architecture") : f.text("architecture", null);
    if (architecture != null && !builtin) {
      f.problem("architecture", "only for format 'builtin'");
    }
    if (builtin && architecture != null && BuiltinModels.dimOf(architecture) < 0) {
      f.problem(
          "architecture", "'" + architecture + "'; built in are " + BuiltinModels.ARCHITECTURES);
    }
    Integer seedValue = f.integer("seed", null, Integer.MIN_VALUE);
    Long seed = seedValue == null ? null : (long) seedValue;

    JsonFields in = f.object("input");
    in.onlyKnown(INPUT);
    Integer channels = in.integer("channels", 1);
    Integer size = in.integer("size", 1);
    int resize = in.integer("resize", BASE_SIZE, 1);
    Input input = null;
    if (channels != null && size != null) {
      input = new Input(channels, size, resize);
      check(input, f);
    }

    JsonFields norm = f.object("normalization");
    norm.onlyKnown(NORM);
    float[] mean = channels == null ? null : perChannel(norm, "mean", channels);
    float[] std = channels == null ? null : perChannel(norm, "std", channels);
    if (std != null) {
      for (float s : std) {
        if (!(s > 0)) {
          norm.problem("std", "has a value <= 0");
          break;
        }
      }
    }
    Integer dim = f.integer("embedding_dim", 1);
    if (builtin
        && dim != null
        && architecture != null
        && BuiltinModels.dimOf(architecture) >= 0
        && dim != BuiltinModels.dimOf(architecture)) {
      f.problem(
          "embedding_dim",
          dim + " but " + architecture + " gives " + BuiltinModels.dimOf(architecture));
    }
    Double paramsM = f.positiveNumber("params_m");
    Double finetuneLr = f.positiveNumber("finetune_lr");
    FinetuneHead head = dim == null ? null : finetuneHead(f, dim, builtin);
    String description = f.text("description", null);
    String licence = f.text("licence", null);
    String provenance = f.text("provenance", null);
    f.throwIfAny();
    return new ModelSpec(
        id,
        description,
        format,
        file,
        sha,
        input,
        new Normalization(mean, std),
        dim,
        paramsM,
        finetuneLr,
        licence,
        provenance,
        architecture,
        seed,
        where,
        head);
  }

  private static FinetuneHead finetuneHead(JsonFields root, int embeddingDim, boolean builtin) {
    if (!root.has("finetune_head")) {
      return null;
    }
    JsonFields h = root.object("finetune_head");
    h.onlyKnown(HEAD);
    String file = h.text("file", null);
    if (file != null && (builtin || hasScheme(file))) {
      h.problem(
          "file",
          "must be a path beside the model (a TorchScript module), not for a built-in or a URI");
    }
    Integer dim = h.integer("dim", embeddingDim, 1);
    if (file == null && dim != embeddingDim) {
      h.problem(
          "dim",
          dim
              + " but the head reads the embedding ("
              + embeddingDim
              + "); name the module that gives "
              + dim
              + " values in 'finetune_head.file'");
    }
    Double std = h.positiveNumber("init_std");
    if (std == null && !h.has("init_std")) {
      h.problem("init_std", "missing (HF's classifiers start at normal(0, 0.02))");
    }
    if (std == null) {
      return null;
    }
    return new FinetuneHead(file, dim, std, h.text("hf_class", null), h.text("description", null));
  }

  /**
   * Is the file a {@code https://}, {@code http://} or {@code s3://} URI (see {@link
   * ModelSources})?
   */
  public boolean remote() {
    return file != null && ModelSources.isRemote(file);
  }

  /**
   * Where a local model file is: {@code file} resolved against the model's folder (relative,
   * absolute, {@code file:} URI). A remote file is fetched by {@link ModelCatalog#modelFile}.
   */
  public Path resolveFile(Path folder) {
    if (file == null) {
      throw new IllegalStateException(id + " has no file (format " + format + ")");
    }
    if (hasScheme(file)) {
      URI uri = URI.create(file);
      if ("file".equals(uri.getScheme())) {
        return Path.of(uri);
      }
      throw new IllegalStateException(
          source
              + ": field 'file' is '"
              + file
              + "', a remote file: "
              + "ask the catalog for it (ModelCatalog.modelFile)");
    }
    Path p = Path.of(file);
    return p.isAbsolute() ? p : folder.resolve(p).normalize();
  }

  private static boolean hasScheme(String file) {
    return file.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*") && !file.matches("^[a-zA-Z]:\\\\.*");
  }

  /** The crop fits the resized image, which is not absurdly large; 1 or 3 channels. */
  private static void check(Input in, JsonFields root) {
    if (in.channels() != 1 && in.channels() != 3) {
      root.problem("input.channels", in.channels() + "; expected 1 or 3");
    }
    if (in.size() > in.resize()) {
      root.problem(
          "input.size",
          "("
              + in.size()
              + ") is larger than 'input.resize' ("
              + in.resize()
              + "); the crop must fit the image");
    }
    if (in.resize() > 4 * BASE_SIZE) {
      root.problem("input.resize", "(" + in.resize() + ") is over " + 4 * BASE_SIZE);
    }
  }

  /** One value for every channel, or one per channel; null after recording a problem. */
  private static float[] perChannel(JsonFields norm, String field, int channels) {
    double[] values = norm.numbers(field);
    if (values == null) {
      return null;
    }
    if (values.length != 1 && values.length != channels) {
      norm.problem(
          field, "has " + values.length + " values; give 1 or one per channel (" + channels + ")");
      return null;
    }
    float[] out = new float[channels];
    for (int c = 0; c < channels; c++) {
      out[c] = (float) values[values.length == 1 ? 0 : c];
    }
    return out;
  }
}
