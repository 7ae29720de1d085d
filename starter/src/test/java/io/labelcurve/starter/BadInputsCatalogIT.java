package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalogue of bad inputs, {@code docs/BAD-INPUTS.md}, made from these tests: every case runs
 * the real CLI on a broken manifest, image, spec, model file, flag or environment variable, asserts
 * the exit code ({@link ExitCode}) and the words that name the culprit, and records the input, the
 * message the user gets and the test. The last test renders the catalogue and checks that the
 * committed file says the same; run with {@code -Dlabelcurve.writeBadInputs=true} to write it after
 * a change (the rendering also goes to {@code target/BAD-INPUTS.md}).
 *
 * <p>Cases run in this JVM through {@link Labelcurve#run} with stdout and stderr captured, except
 * the environment's, which need a process of their own. Temporary paths, ports and process ids in
 * messages are replaced by {@code DIR}, {@code PORT} and {@code PID} so that the catalogue does not
 * change from run to run.
 */
class BadInputsCatalogIT {
  static final String WRITE_PROPERTY = "labelcurve.writeBadInputs";

  @TempDir static Path root;

  /**
   * One bad input.
   *
   * @param area manifest, images, spec, model files, flags or environment
   * @param title what is wrong, as the catalogue's heading says it
   * @param input the broken line or file, as the user would have written it ("" for none)
   * @param args the command line after {@code labelcurve}
   * @param env environment of a process of its own; null: run in this JVM
   * @param exit the exit code the user gets
   * @param names words the message must hold: the file, row, field or variable at fault
   */
  record Case(
      String area,
      String title,
      String input,
      List<String> args,
      Map<String, String> env,
      ExitCode exit,
      List<String> names) {}

  record Outcome(Case c, String message, String test) {}

  // --- fixtures -----------------------------------------------------------------------------

  static final List<String> ROWS =
      List.of(
          "image,label,sequence,split,frame,patient",
          "train/a1-0.png,A,a1,train,0,p1",
          "train/a1-1.png,A,a1,train,1,p1",
          "train/a2-0.png,A,a2,train,0,p2",
          "train/b1-0.png,B,b1,train,0,p3",
          "train/b1-1.png,B,b1,train,1,p3",
          "train/b2-0.png,B,b2,train,0,p4",
          "T1/a3-0.png,A,a3,T1,0,p5",
          "T1/b3-0.png,B,b3,T1,0,p6");

  /** A small valid dataset in {@code root/name}, its manifest edited by {@code edit}. */
  static Path dataset(String name, UnaryOperator<List<String>> edit) throws IOException {
    Path dir = Files.createDirectories(root.resolve(name));
    for (String row : ROWS.subList(1, ROWS.size())) {
      Path png = dir.resolve(row.substring(0, row.indexOf(',')));
      Files.createDirectories(png.getParent());
      BufferedImage img = new BufferedImage(40, 32, BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 40; x++) {
          img.getRaster().setSample(x, y, 0, (x * 7 + y * 3 + row.length()) % 256);
        }
      }
      ImageIO.write(img, "png", png.toFile());
    }
    Path manifest = dir.resolve("manifest.csv");
    Files.write(manifest, edit.apply(new ArrayList<>(ROWS)));
    return manifest;
  }

  static UnaryOperator<List<String>> replace(String from, String to) {
    return rows -> rows.stream().map(r -> r.equals(from) ? to : r).toList();
  }

  static List<String> validate(Path manifest) {
    return List.of(
        "dataset",
        "validate",
        manifest.toString(),
        "--train-split",
        "train",
        "--test-splits",
        "T1",
        "--decode");
  }

  /** A PNG whose header says width x height and whose data is one empty IDAT. */
  static byte[] pngHeader(int width, int height) {
    ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12 + 12);
    b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    chunk(
        b,
        "IHDR",
        ByteBuffer.allocate(13)
            .putInt(width)
            .putInt(height)
            .put(new byte[] {8, 0, 0, 0, 0})
            .array());
    chunk(b, "IDAT", new byte[0]);
    chunk(b, "IEND", new byte[0]);
    return Arrays.copyOf(b.array(), b.position());
  }

  private static void chunk(ByteBuffer b, String type, byte[] data) {
    b.putInt(data.length);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    b.put(t).put(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    b.putInt((int) crc.getValue());
  }

  static Path spec(String name, String yaml) throws IOException {
    Path dir = Files.createDirectories(root.resolve("specs"));
    return Files.writeString(dir.resolve(name + ".yaml"), yaml);
  }

  static final String GOOD_SPEC =
      """
      id: s
      dataset: ../good/manifest.csv
      train_split: train
      test_splits: [T1]
      models: [random-resnet18]
      adaptations: [linear-probe]
      sampling:
        image: {sizes: [4, 8]}
      seeds: 1
      preset: cpu-small
      """;

  static List<String> plan(Path spec) {
    return List.of("sweep", "plan", spec.toString());
  }

  /** {@code sweep start}, refused before it connects (nothing listens at either address). */
  static List<String> start(Path spec) {
    return List.of(
        "sweep",
        "start",
        spec.toString(),
        "--models",
        root.resolve("empty-catalog").toString(),
        "--temporal",
        "127.0.0.1:1",
        "--s3-endpoint",
        "http://127.0.0.1:1");
  }

  static Path modelDir(String name, String json, boolean withFile) throws IOException {
    Path catalog = Files.createDirectories(root.resolve("catalog-" + name));
    Path model = Files.createDirectories(catalog.resolve(name));
    Files.writeString(model.resolve("model.json"), json);
    if (withFile) {
      Files.write(model.resolve("encoder.pt"), new byte[] {1, 2, 3});
    }
    return catalog;
  }

  static final String GOOD_MODEL_JSON =
      """
      {"id": "%s", "format": "torchscript", "file": "encoder.pt",
       "input": {"channels": 3, "size": 224, "resize": 256},
       "normalization": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
       "embedding_dim": 1280, "params_m": 2.2, "finetune_lr": 1.0e-4}
      """;

  /** Every variable that could point a process elsewhere, removed. */
  static Map<String, String> cleanEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    for (String v : System.getenv().keySet()) {
      if (v.startsWith("LABELCURVE_") || v.startsWith("TEMPORAL_") || v.startsWith("AWS_")) {
        env.put(v, null);
      }
    }
    return env;
  }

  static Map<String, String> env(String... kv) {
    Map<String, String> env = cleanEnv();
    for (int i = 0; i < kv.length; i += 2) {
      env.put(kv[i], kv[i + 1]);
    }
    return env;
  }

  // --- the cases ----------------------------------------------------------------------------

  static List<Case> cases(int takenPort) throws IOException {
    Path good = dataset("good", rows -> rows);
    Files.createDirectories(root.resolve("empty-catalog"));
    List<Case> c = new ArrayList<>();
    String manifest = "manifest";
    c.add(
        new Case(
            manifest,
            "a column is missing from the header",
            "image,sequence,split,frame,patient",
            validate(
                dataset(
                    "no-label-column",
                    rows -> rows.stream().map(r -> r.replaceFirst(",[^,]*", "")).toList())),
            null,
            ExitCode.BAD_INPUT,
            List.of("manifest.csv", "label")));
    c.add(
        new Case(
            manifest,
            "a row without a label",
            "train/a2-0.png,,a2,train,0,p2",
            validate(dataset("empty-label", replace(ROWS.get(3), "train/a2-0.png,,a2,train,0,p2"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("manifest.csv", "label")));
    c.add(
        new Case(
            manifest,
            "a row with a field too few",
            "train/a2-0.png,A,a2,train",
            validate(dataset("short-row", replace(ROWS.get(3), "train/a2-0.png,A,a2,train"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("manifest.csv")));
    c.add(
        new Case(
            manifest,
            "the same image twice",
            "train/a1-0.png,A,a1,train,0,p1 (a second time)",
            validate(
                dataset(
                    "duplicate",
                    rows -> {
                      List<String> r = new ArrayList<>(rows);
                      r.add(ROWS.get(1));
                      return r;
                    })),
            null,
            ExitCode.BAD_INPUT,
            List.of("train/a1-0.png")));
    c.add(
        new Case(
            manifest,
            "a path that leaves the dataset's folder",
            "../outside.png,A,a2,train,0,p2",
            validate(dataset("escape", replace(ROWS.get(3), "../outside.png,A,a2,train,0,p2"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("../outside.png")));
    c.add(
        new Case(
            manifest,
            "a sequence in two splits (leakage)",
            "T1/a3-0.png,A,a1,T1,0,p5",
            validate(dataset("sequence-leak", replace(ROWS.get(7), "T1/a3-0.png,A,a1,T1,0,p5"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("a1")));
    c.add(
        new Case(
            manifest,
            "a patient in two splits (leakage)",
            "T1/a3-0.png,A,a3,T1,0,p1",
            validate(dataset("patient-leak", replace(ROWS.get(7), "T1/a3-0.png,A,a3,T1,0,p1"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("p1")));
    c.add(
        new Case(
            manifest,
            "a test class never seen in training",
            "T1/b3-0.png,C,b3,T1,0,p6",
            validate(dataset("unseen-class", replace(ROWS.get(8), "T1/b3-0.png,C,b3,T1,0,p6"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("C")));
    c.add(
        new Case(
            manifest,
            "a test split the manifest does not have",
            "--test-splits T9",
            List.of("dataset", "validate", good.toString(), "--test-splits", "T9"),
            null,
            ExitCode.BAD_INPUT,
            List.of("T9")));
    c.add(
        new Case(
            manifest,
            "a header and no rows",
            "image,label,sequence,split,frame,patient",
            validate(dataset("empty", rows -> rows.subList(0, 1))),
            null,
            ExitCode.BAD_INPUT,
            List.of("manifest.csv")));
    c.add(
        new Case(
            manifest,
            "a frame number that is not a number",
            "train/a2-0.png,A,a2,train,first,p2",
            validate(
                dataset("bad-frame", replace(ROWS.get(3), "train/a2-0.png,A,a2,train,first,p2"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("frame")));
    c.add(
        new Case(
            manifest,
            "no manifest at the path given",
            "DIR/nowhere/manifest.csv",
            List.of("dataset", "validate", root.resolve("nowhere/manifest.csv").toString()),
            null,
            ExitCode.BAD_INPUT,
            List.of("nowhere/manifest.csv")));

    String images = "images";
    Path missing = dataset("missing-image", rows -> rows);
    Files.delete(missing.resolveSibling("train/b2-0.png"));
    c.add(
        new Case(
            images,
            "an image the manifest names is not there",
            "train/b2-0.png (deleted)",
            validate(missing),
            null,
            ExitCode.BAD_INPUT,
            List.of("train/b2-0.png")));
    Path text = dataset("not-an-image", rows -> rows);
    Files.writeString(text.resolveSibling("train/b2-0.png"), "this is not a picture\n");
    c.add(
        new Case(
            images,
            "a text file named .png",
            "train/b2-0.png: \"this is not a picture\"",
            validate(text),
            null,
            ExitCode.BAD_INPUT,
            List.of("train/b2-0.png")));
    Path truncated = dataset("truncated", rows -> rows);
    Path t = truncated.resolveSibling("train/b2-0.png");
    byte[] whole = Files.readAllBytes(t);
    Files.write(t, Arrays.copyOf(whole, whole.length / 2));
    c.add(
        new Case(
            images,
            "a truncated PNG",
            "train/b2-0.png cut to half its bytes",
            validate(truncated),
            null,
            ExitCode.BAD_INPUT,
            List.of("train/b2-0.png")));
    Path empty = dataset("empty-file", rows -> rows);
    Files.write(empty.resolveSibling("train/b2-0.png"), new byte[0]);
    c.add(
        new Case(
            images,
            "an empty image file",
            "train/b2-0.png: 0 bytes",
            validate(empty),
            null,
            ExitCode.BAD_INPUT,
            List.of("train/b2-0.png")));
    Path bomb = dataset("bomb", rows -> rows);
    Files.write(bomb.resolveSibling("train/b2-0.png"), pngHeader(100_000, 100_000));
    c.add(
        new Case(
            images,
            "a decompression bomb (a PNG header of 100,000 x 100,000 pixels)",
            "train/b2-0.png: IHDR 100000 x 100000",
            validate(bomb),
            null,
            ExitCode.BAD_INPUT,
            List.of("train/b2-0.png")));
    String spec = "spec";
    c.add(
        new Case(
            spec,
            "an unknown field",
            "sedes: 3",
            plan(spec("unknown-field", GOOD_SPEC + "sedes: 3\n")),
            null,
            ExitCode.BAD_INPUT,
            List.of("sedes")));
    c.add(
        new Case(
            spec,
            "an unknown model",
            "models: [random-resnet18, dinov9]",
            start(
                spec(
                    "unknown-model",
                    GOOD_SPEC.replace("[random-resnet18]", "[random-resnet18, dinov9]"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("models[1]", "dinov9")));
    c.add(
        new Case(
            spec,
            "a size that is not a number",
            "image: {sizes: [4, big]}",
            plan(spec("bad-size", GOOD_SPEC.replace("[4, 8]", "[4, big]"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("sampling.image.sizes[1]")));
    c.add(
        new Case(
            spec,
            "no test splits",
            "(test_splits left out)",
            plan(spec("no-tests", GOOD_SPEC.replace("test_splits: [T1]\n", ""))),
            null,
            ExitCode.BAD_INPUT,
            List.of("test_splits")));
    c.add(
        new Case(
            spec,
            "an unknown preset",
            "preset: gpu-huge",
            start(spec("bad-preset", GOOD_SPEC.replace("cpu-small", "gpu-huge"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("preset", "gpu-huge")));
    c.add(
        new Case(
            spec,
            "no seeds",
            "seeds: 0",
            plan(spec("no-seeds", GOOD_SPEC.replace("seeds: 1", "seeds: 0"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("seeds")));
    c.add(
        new Case(
            spec,
            "an unknown adaptation",
            "adaptations: [fine-tune]",
            plan(spec("bad-adaptation", GOOD_SPEC.replace("[linear-probe]", "[fine-tune]"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("fine-tune")));
    c.add(
        new Case(
            spec,
            "an unknown sampling scheme",
            "patient: {sizes: [4]}",
            plan(
                spec(
                    "bad-sampling",
                    GOOD_SPEC.replace("image: {sizes: [4, 8]}", "patient: {sizes: [4]}"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("patient")));
    c.add(
        new Case(
            spec,
            "a size larger than the training pool",
            "image: {sizes: [4, 100000]}",
            plan(spec("too-big", GOOD_SPEC.replace("[4, 8]", "[4, 100000]"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("100000")));
    c.add(
        new Case(
            spec,
            "YAML that does not parse",
            "sampling: [image: {sizes: [4]",
            plan(
                spec(
                    "not-yaml",
                    GOOD_SPEC.replace(
                        "sampling:\n  image: {sizes: [4, 8]}", "sampling: [image: {sizes: [4]"))),
            null,
            ExitCode.BAD_INPUT,
            List.of("not-yaml.yaml")));
    c.add(
        new Case(
            spec,
            "no spec at the path given",
            "DIR/specs/none.yaml",
            plan(root.resolve("specs/none.yaml")),
            null,
            ExitCode.BAD_INPUT,
            List.of("none.yaml")));

    String models = "model files";
    c.add(
        new Case(
            models,
            "model.json that is not JSON",
            "{\"id\": \"broken\", ",
            List.of(
                "models",
                "list",
                "--models",
                modelDir("broken", "{\"id\": \"broken\", ", true).toString()),
            null,
            ExitCode.BAD_INPUT,
            List.of("model.json")));
    c.add(
        new Case(
            models,
            "model.json without its embedding size",
            "(embedding_dim left out)",
            List.of(
                "models",
                "list",
                "--models",
                modelDir(
                        "no-dim",
                        GOOD_MODEL_JSON
                            .formatted("no-dim")
                            .replace("\"embedding_dim\": 1280, ", ""),
                        true)
                    .toString()),
            null,
            ExitCode.BAD_INPUT,
            List.of("embedding_dim")));
    c.add(
        new Case(
            models,
            "the TorchScript file model.json names is not there",
            "\"file\": \"encoder.pt\" (absent)",
            List.of(
                "models",
                "list",
                "--models",
                modelDir("no-file", GOOD_MODEL_JSON.formatted("no-file"), false).toString()),
            null,
            ExitCode.BAD_INPUT,
            List.of("encoder.pt")));
    c.add(
        new Case(
            models,
            "a model id the catalog does not have",
            "models check dinov9",
            List.of(
                "models", "check", "dinov9", "--models", root.resolve("empty-catalog").toString()),
            null,
            ExitCode.BAD_INPUT,
            List.of("dinov9")));
    c.add(
        new Case(
            models,
            "a catalog folder that does not exist",
            "--models DIR/no-such-catalog",
            List.of("models", "list", "--models", root.resolve("no-such-catalog").toString()),
            null,
            ExitCode.BAD_INPUT,
            List.of("no-such-catalog")));

    String flags = "flags";
    c.add(
        new Case(
            flags,
            "sweep plan with neither a spec nor a preset",
            "sweep plan",
            List.of("sweep", "plan"),
            null,
            ExitCode.BAD_INPUT,
            List.of("SPEC", "--preset")));
    c.add(
        new Case(
            flags,
            "a preset that does not exist",
            "--preset huge",
            List.of("sweep", "plan", "--preset", "huge"),
            null,
            ExitCode.BAD_INPUT,
            List.of("huge")));
    c.add(
        new Case(
            flags,
            "an unknown generator",
            "dataset generate cats",
            List.of("dataset", "generate", "cats", "--out", root.resolve("cats").toString()),
            null,
            ExitCode.BAD_INPUT,
            List.of("cats")));
    c.add(
        new Case(
            flags,
            "an unknown phantom scale",
            "--scale huge",
            List.of(
                "dataset",
                "generate",
                "phantom",
                "--out",
                root.resolve("huge").toString(),
                "--scale",
                "huge"),
            null,
            ExitCode.BAD_INPUT,
            List.of("--scale", "huge")));
    c.add(
        new Case(
            flags,
            "a negative drain period",
            "up --drain-seconds -1",
            List.of("up", "--drain-seconds", "-1"),
            null,
            ExitCode.BAD_INPUT,
            List.of("--drain-seconds")));
    c.add(
        new Case(
            flags,
            "an empty shard",
            "worker --shard-size 0",
            List.of("worker", "--shard-size", "0"),
            null,
            ExitCode.BAD_INPUT,
            List.of("--shard-size")));
    c.add(
        new Case(
            flags,
            "a port that is not a port",
            "demo --port 70000",
            List.of("demo", "--port", "70000"),
            null,
            ExitCode.BAD_INPUT,
            List.of("--port", "70000")));
    c.add(
        new Case(
            flags,
            "a port another process holds",
            "demo --port PORT (taken)",
            List.of("demo", "--port", String.valueOf(takenPort)),
            null,
            ExitCode.BAD_INPUT,
            List.of("in use by pid", "--port")));
    c.add(
        new Case(
            flags,
            "up: an S3 port another process holds",
            "up --s3-port PORT (taken)",
            List.of(
                "up",
                "--s3-port",
                String.valueOf(takenPort),
                "--port",
                "0",
                "--metrics-port",
                "0",
                "--data-dir",
                root.resolve("up-data").toString()),
            null,
            ExitCode.BAD_INPUT,
            List.of("S3Proxy", "in use by pid", "--s3-port")));
    c.add(
        new Case(
            flags,
            "a misspelt option",
            "sweep list --jsn",
            List.of("sweep", "list", "--jsn"),
            null,
            ExitCode.BAD_INPUT,
            List.of("--jsn")));
    c.add(
        new Case(
            flags,
            "an output format that does not exist",
            "-o yaml",
            List.of("sweep", "plan", "--preset", "paper", "-o", "yaml"),
            null,
            ExitCode.BAD_INPUT,
            List.of("yaml")));
    c.add(
        new Case(
            flags,
            "a missing argument",
            "sweep status",
            List.of("sweep", "status"),
            null,
            ExitCode.BAD_INPUT,
            List.of("ID")));
    c.add(
        new Case(
            flags,
            "an upload target that is not s3://",
            "--to http://bucket/x",
            List.of("dataset", "upload", good.toString(), "--to", "http://bucket/x"),
            null,
            ExitCode.BAD_INPUT,
            List.of("--to")));

    String environment = "environment";
    Path cert = Files.writeString(root.resolve("client.pem"), "not used\n");
    c.add(
        new Case(
            environment,
            "a client certificate without its key",
            "LABELCURVE_TEMPORAL_TLS_CERT=DIR/client.pem",
            List.of("sweep", "status", "x"),
            env("LABELCURVE_TEMPORAL_TLS_CERT", cert.toString()),
            ExitCode.BAD_INPUT,
            List.of("LABELCURVE_TEMPORAL_TLS_KEY")));
    c.add(
        new Case(
            environment,
            "Temporal's own certificate variable without the key",
            "TEMPORAL_TLS_CLIENT_CERT_PATH=DIR/client.pem",
            List.of("sweep", "status", "x"),
            env("TEMPORAL_TLS_CLIENT_CERT_PATH", cert.toString()),
            ExitCode.BAD_INPUT,
            List.of("TEMPORAL_TLS_CLIENT_KEY_PATH")));
    c.add(
        new Case(
            environment,
            "a CA bundle that is not there",
            "LABELCURVE_TEMPORAL_TLS_CA=DIR/no-ca.pem",
            List.of("sweep", "status", "x"),
            env("LABELCURVE_TEMPORAL_TLS_CA", root.resolve("no-ca.pem").toString()),
            ExitCode.BAD_INPUT,
            List.of("no-ca.pem")));
    c.add(
        new Case(
            environment,
            "no Temporal server at the address",
            "TEMPORAL_ADDRESS=127.0.0.1:1",
            List.of("sweep", "cancel", "x"),
            env("TEMPORAL_ADDRESS", "127.0.0.1:1"),
            ExitCode.UNREACHABLE,
            List.of("127.0.0.1:1", "LABELCURVE_TEMPORAL_ADDRESS")));
    c.add(
        new Case(
            environment,
            "no S3 at the endpoint",
            "LABELCURVE_S3_ENDPOINT=http://127.0.0.1:1 (with keys)",
            List.of("sweep", "list"),
            env(
                "LABELCURVE_S3_ENDPOINT",
                "http://127.0.0.1:1",
                "LABELCURVE_S3_ACCESS_KEY",
                "k",
                "LABELCURVE_S3_SECRET_KEY",
                "s",
                "TEMPORAL_ADDRESS",
                "127.0.0.1:1"),
            ExitCode.UNREACHABLE,
            List.of("http://127.0.0.1:1", "LABELCURVE_S3_ENDPOINT")));
    c.add(
        new Case(
            environment,
            "no S3 credentials anywhere",
            "(no LABELCURVE_S3_* and no AWS_* variables)",
            List.of("sweep", "list"),
            env(
                "AWS_CONFIG_FILE", root.resolve("no-aws-config").toString(),
                "AWS_SHARED_CREDENTIALS_FILE", root.resolve("no-aws-credentials").toString(),
                "AWS_EC2_METADATA_DISABLED", "true"),
            ExitCode.BAD_INPUT,
            List.of("LABELCURVE_S3_ACCESS_KEY")));
    return c;
  }

  // --- running and rendering ----------------------------------------------------------------

  record Run(int exit, String stdout, String stderr) {}

  static Run inProcess(List<String> args) {
    CliRun r = CliRun.inProcess(args.toArray(String[]::new));
    return new Run(r.code(), r.out(), r.err());
  }

  static Run inItsOwnProcess(List<String> args, Map<String, String> env) throws Exception {
    Path log = Files.createTempFile(root, "case", ".log");
    Process p = LabelcurveProcesses.start(log, env, args);
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), "no exit within 3 minutes: " + args);
    // Only the CLI's own lines: a process's log also holds the logger's and libtorch's.
    String text = Files.readString(log);
    return new Run(p.exitValue(), "", text);
  }

  /** The message, without the lines of loggers and with what varies from run to run replaced. */
  static String normalise(String text, int takenPort) {
    StringBuilder kept = new StringBuilder();
    boolean inError = false;
    for (String line : text.replace("\r", "").split("\n")) {
      if (line.startsWith("error: ")
          || line.startsWith("problem: ")
          || line.startsWith("Missing")
          || line.startsWith("Unknown option")
          || line.startsWith("Invalid value")) {
        inError = true;
      } else if (!line.startsWith("  ") || line.startsWith("  labelcurve")) {
        inError = false;
      }
      if (inError) {
        kept.append(line).append('\n');
      }
    }
    String m = kept.toString().strip();
    for (Path p : List.of(root.toAbsolutePath(), root)) {
      m = m.replace(p.toString(), "DIR");
    }
    try {
      m = m.replace(root.toRealPath().toString(), "DIR");
    } catch (IOException ignored) {
      // the plain path was replaced above
    }
    m = m.replaceAll("in use by pid \\d+ \\([^\\n]*\\)", "in use by pid PID (COMMAND)");
    m = m.replace(String.valueOf(takenPort), "PORT");
    m = m.replaceAll("(--[a-z0-9-]*port) \\d+ \\(a free one now\\)", "$1 FREE (a free one now)");
    return m;
  }

  @TestFactory
  Stream<DynamicTest> everyBadInputGetsAMessageNamingItsCulprit() throws IOException {
    ServerSocket taken = new ServerSocket(0);
    int port = taken.getLocalPort();
    List<Case> cases = cases(port);
    List<Outcome> outcomes = new ArrayList<>();
    List<DynamicTest> tests = new ArrayList<>();
    tests.add(
        DynamicTest.dynamicTest(
            "a good dataset validates",
            () -> {
              Run r = inProcess(validate(root.resolve("good/manifest.csv")));
              assertEquals(0, r.exit(), r.stdout() + r.stderr());
            }));
    for (Case c : cases) {
      String name = c.area() + ": " + c.title();
      tests.add(
          DynamicTest.dynamicTest(
              name,
              () -> {
                Run r = c.env() == null ? inProcess(c.args()) : inItsOwnProcess(c.args(), c.env());
                String message = normalise(r.stderr(), port);
                if (message.isEmpty()) {
                  message = normalise(r.stdout(), port);
                }
                String all = r.stdout() + r.stderr();
                assertEquals(c.exit().code(), r.exit(), name + ":\n" + all);
                for (String word : c.names()) {
                  assertTrue(
                      message.contains(word),
                      name
                          + ": '"
                          + word
                          + "' not in:\n"
                          + message
                          + "\n(all output:\n"
                          + all
                          + ")");
                }
                assertTrue(!all.contains("\tat "), name + ": a stack trace:\n" + all);
                outcomes.add(new Outcome(c, message, "BadInputsCatalogIT › " + name));
              }));
    }
    tests.add(
        DynamicTest.dynamicTest(
            "docs/BAD-INPUTS.md is up to date",
            () -> {
              taken.close();
              assertEquals(cases.size(), outcomes.size(), "every case passed");
              String doc = render(outcomes, port);
              Path repo = repoRoot();
              Files.createDirectories(repo.resolve("starter/target"));
              Files.writeString(repo.resolve("starter/target/BAD-INPUTS.md"), doc);
              Path committed = repo.resolve("docs/BAD-INPUTS.md");
              if (Boolean.getBoolean(WRITE_PROPERTY)) {
                Files.writeString(committed, doc);
              }
              if (!Files.exists(committed) || !Files.readString(committed).equals(doc)) {
                fail(
                    "docs/BAD-INPUTS.md differs from what the tests give (starter/target/BAD-INPUTS.md);"
                        + " run this test with -D"
                        + WRITE_PROPERTY
                        + "=true and commit the file");
              }
            }));
    return tests.stream();
  }

  static Path repoRoot() {
    Path here = Path.of("").toAbsolutePath();
    return Files.isRegularFile(here.resolve("mvnw")) ? here : here.getParent();
  }

  static String render(List<Outcome> outcomes, int takenPort) {
    StringBuilder b = new StringBuilder();
    b.append("# Bad inputs and what labelcurve says\n\n");
    b.append(
        "Generated by `starter/src/test/java/io/labelcurve/starter/BadInputsCatalogIT.java`"
            + " from its own cases: each ran the real CLI, and the test checked the exit code and that"
            + " the message names the file, row, field, flag or variable at fault. Do not edit by hand:"
            + " run\n\n```bash\n./mvnw -B -pl starter -am verify -Dtest=NONE"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=BadInputsCatalogIT -D"
            + WRITE_PROPERTY
            + "=true\n```\n\n"
            + "(`DIR` stands for the test's temporary folder, `PORT` and `PID` for a port and a process"
            + " that vary from run to run.) Exit codes: README, \"Exit codes\". "
            + outcomes.size()
            + " cases.\n");
    String area = "";
    for (Outcome o : outcomes) {
      if (!o.c().area().equals(area)) {
        area = o.c().area();
        b.append("\n## ")
            .append(Character.toUpperCase(area.charAt(0)))
            .append(area.substring(1))
            .append("\n");
      }
      Case c = o.c();
      String command =
          "labelcurve "
              + String.join(" ", c.args()).replace(root.toAbsolutePath().toString(), "DIR");
      b.append("\n### ").append(c.title()).append("\n\n");
      b.append("- input: `").append(c.input().replace("`", "'")).append("`");
      if (c.env() != null) {
        b.append(" (environment)");
      }
      b.append("\n- command: `")
          .append(
              command
                  .replace(" " + takenPort + " ", " PORT ")
                  .replaceAll(" " + takenPort + "$", " PORT")
                  .replace("`", "'"))
          .append("`\n");
      b.append("- exit code: ")
          .append(c.exit().code())
          .append(" (")
          .append(c.exit().name().toLowerCase(Locale.ROOT))
          .append(")\n");
      b.append("- test: `").append(o.test()).append("`\n\n");
      b.append("```text\n").append(o.message()).append("\n```\n");
    }
    return b.toString();
  }
}
