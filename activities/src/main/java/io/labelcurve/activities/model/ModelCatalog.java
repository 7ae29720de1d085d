package io.labelcurve.activities.model;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The encoders a sweep may name: every sub-folder of a catalog folder that holds a {@code
 * model.json} (see {@link ModelSpec}) next to its TorchScript file, plus the {@link BuiltinModels
 * built-in} ones (a folder of the same id replaces a built-in).
 *
 * <p>{@link #digest(ModelSpec)} identifies what an encoder computes (its file's bytes and its
 * preprocessing), and keys the embedding cache: a changed model never reuses stale vectors.
 * Thread-safe.
 */
public final class ModelCatalog {
  private static final String HOW_TO_ADD =
      "to add one, make a folder named after its id in the "
          + "catalog folder with a model.json (format of models/mobilenetv2-imagenet/model.json) and "
          + "the TorchScript file it names";

  private record Entry(ModelSpec spec, Path folder) {}

  private record FileHash(long size, long mtime, String sha256) {}

  private final Path dir;
  private final Map<String, Entry> models;
  private final List<String> problems;
  private final Map<Path, FileHash> fileHashes = new ConcurrentHashMap<>();
  private final ModelSources sources;

  private ModelCatalog(
      Path dir, Map<String, Entry> models, List<String> problems, ModelSources sources) {
    this.dir = dir;
    this.models = models;
    this.problems = List.copyOf(problems);
    this.sources = sources;
  }

  /**
   * The same models, fetching remote files through {@code sources} (another download cache, or a
   * bucket for {@code s3://} files).
   */
  public ModelCatalog withSources(ModelSources sources) {
    return new ModelCatalog(dir, models, problems, sources);
  }

  /** The same models, reading {@code s3://} model files from {@code store}. */
  public ModelCatalog withStore(io.labelcurve.activities.storage.BlobStore store) {
    return withSources(sources.withStore(store));
  }

  public ModelSources sources() {
    return sources;
  }

  /** Only the built-in models. */
  public static ModelCatalog builtinOnly() {
    return scan(null);
  }

  /**
   * The catalog of a folder; every bad {@code model.json} is refused (the message lists each one,
   * with its file and field).
   */
  public static ModelCatalog load(Path dir) {
    if (dir != null && !Files.isDirectory(dir)) {
      throw new BadInputException("model catalog " + dir + " is not a folder; " + HOW_TO_ADD);
    }
    ModelCatalog catalog = scan(dir);
    if (!catalog.problems.isEmpty()) {
      throw new BadInputException(String.join("\n", catalog.problems));
    }
    return catalog;
  }

  /**
   * Like {@link #load} but keeps the good models and reports the bad ones in {@link #problems()}
   * (for {@code labelcurve models check}).
   */
  public static ModelCatalog scan(Path dir) {
    Map<String, Entry> models = new TreeMap<>();
    for (ModelSpec b : BuiltinModels.all()) {
      models.put(b.id(), new Entry(b, null));
    }
    List<String> problems = new ArrayList<>();
    if (dir != null && Files.isDirectory(dir)) {
      List<Path> folders;
      try (Stream<Path> s = Files.list(dir)) {
        folders = s.filter(Files::isDirectory).sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list model catalog " + dir, e);
      }
      for (Path folder : folders) {
        Path json = folder.resolve("model.json");
        if (!Files.isRegularFile(json)) {
          continue;
        }
        try {
          ModelSpec spec = ModelSpec.read(json);
          if (!spec.builtin() && !spec.remote()) {
            Path file = spec.resolveFile(folder);
            if (!Files.isRegularFile(file)) {
              throw new BadInputException(
                  json + ": field 'file' names " + file + ", which does not exist");
            }
          }
          if (spec.finetuneHead() != null
              && spec.finetuneHead().file() != null
              && !Files.isRegularFile(folder.resolve(spec.finetuneHead().file()))) {
            throw new BadInputException(
                json
                    + ": field 'finetune_head.file' names "
                    + folder.resolve(spec.finetuneHead().file())
                    + ", which does not exist");
          }
          models.put(spec.id(), new Entry(spec, folder));
        } catch (BadInputException e) {
          problems.add(e.getMessage());
        }
      }
    }
    return new ModelCatalog(
        dir, Collections.unmodifiableMap(models), problems, ModelSources.defaults());
  }

  /** The catalog folder, or null for the built-ins only. */
  public Path dir() {
    return dir;
  }

  /** Messages about model folders left out by {@link #scan}; empty after {@link #load}. */
  public List<String> problems() {
    return problems;
  }

  /** Model ids, sorted. */
  public List<String> ids() {
    return List.copyOf(models.keySet());
  }

  public boolean contains(String id) {
    return models.containsKey(id);
  }

  /** The spec of a model; an unknown id is refused with the known ones. */
  public ModelSpec get(String id) {
    return entry(id).spec();
  }

  /** The folder of a model's model.json; empty for a built-in. */
  public Optional<Path> folder(String id) {
    return Optional.ofNullable(entry(id).folder());
  }

  /**
   * The model file of a TorchScript model; a remote one ({@code https://}, {@code s3://}) is
   * downloaded into the cache first (once) and checked against its {@code sha256}.
   */
  public Path modelFile(ModelSpec spec) {
    Entry e = entry(spec.id());
    if (spec.builtin()) {
      throw new IllegalArgumentException(spec.id() + " is built in and has no file");
    }
    if (spec.remote()) {
      return sources.fetch(spec.file(), spec.sha256(), spec.source());
    }
    return spec.resolveFile(e.folder());
  }

  /** {@link #digest(ModelSpec)} of the catalog's spec of {@code id}. */
  public String digest(String id) {
    return digest(get(id));
  }

  /**
   * SHA-256 (hex) of what the model computes: for a TorchScript model its file's bytes and its
   * preprocessing, for a built-in its architecture, seed and preprocessing (input size included).
   * File hashes are cached per path, size and modification time. A file whose {@code sha256} in
   * model.json disagrees is refused. A remote file is identified by its declared {@code sha256}
   * without downloading it (a download is checked against it).
   */
  public String digest(ModelSpec spec) {
    String identity;
    if (spec.builtin()) {
      // ResNet-50 moved from DJL's ResNetV1 to torchvision's layout: a new identity. The basic
      // ResNets did not change, so their line (and the vectors cached under it) stays.
      String blocks =
          "resnet50".equals(spec.architecture())
              ? "torchvision-v1.5-bottleneck/subsampled-projection"
              : "djl-resnetv1-basic(18,34)/bottleneck(50)";
      identity =
          "builtin arch="
              + spec.architecture()
              + " seed="
              + BuiltinModels.seedOf(spec)
              + " blocks="
              + blocks
              + " init=kaiming-normal-fan-in/java.util.Random/v1";
    } else if (spec.remote()) {
      identity = "torchscript sha256=" + spec.sha256().toLowerCase(java.util.Locale.ROOT);
    } else {
      Path file = modelFile(spec);
      String sha = fileSha256(file);
      if (spec.sha256() != null && !spec.sha256().equalsIgnoreCase(sha)) {
        throw new BadInputException(
            spec.source()
                + ": field 'sha256' is "
                + spec.sha256()
                + " but "
                + file
                + " has "
                + sha
                + "; the file changed or is corrupt: "
                + "fetch it again, or update sha256 if the change is meant");
      }
      identity = "torchscript sha256=" + sha;
    }
    return sha256Hex(
        (identity + "\n" + spec.preprocessing() + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** {@code id-<first 12 hex of the digest>}: the model's folder name in the embedding cache. */
  public String modelKey(ModelSpec spec) {
    return modelKey(spec.id(), digest(spec));
  }

  public String modelKey(String id) {
    return modelKey(get(id));
  }

  public static String modelKey(String id, String digest) {
    return id + "-" + digest.substring(0, 12);
  }

  private Entry entry(String id) {
    Entry e = models.get(id);
    if (e == null) {
      throw new BadInputException(
          "unknown model '"
              + id
              + "'; known models: "
              + ids()
              + (dir == null ? " (no catalog folder given)" : " (catalog " + dir + ")")
              + "; "
              + HOW_TO_ADD);
    }
    return e;
  }

  private String fileSha256(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      Path key = file.toAbsolutePath().normalize();
      FileHash cached = fileHashes.get(key);
      long mtime = a.lastModifiedTime().toMillis();
      if (cached != null && cached.size() == a.size() && cached.mtime() == mtime) {
        return cached.sha256();
      }
      MessageDigest md = sha256();
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
        }
      }
      String hex = HexFormat.of().formatHex(md.digest());
      fileHashes.put(key, new FileHash(a.size(), mtime, hex));
      return hex;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model file " + file, e);
    }
  }

  static String sha256Hex(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
