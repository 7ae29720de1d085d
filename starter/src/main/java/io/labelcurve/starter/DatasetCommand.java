package io.labelcurve.starter;

import io.labelcurve.activities.dataset.DatasetDigest;
import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.dataset.DatasetValidator;
import io.labelcurve.activities.dataset.LocalImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.dataset.ValidationReport;
import io.labelcurve.activities.frames.FrameSelection;
import io.labelcurve.activities.frames.Mask;
import io.labelcurve.activities.importer.DatasetImporter;
import io.labelcurve.activities.importer.ImportOptions;
import io.labelcurve.activities.importer.ImportSummary;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.storage.S3BlobStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code labelcurve dataset …}: make, check and upload datasets. */
@Command(
    name = "dataset",
    mixinStandardHelpOptions = true,
    description = "Generate, validate and upload datasets.",
    subcommands = {
      DatasetCommand.Generate.class,
      DatasetCommand.Validate.class,
      DatasetCommand.Upload.class,
      DatasetCommand.Import.class
    })
final class DatasetCommand {

  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description =
          "Generate the synthetic cardiac-ultrasound phantom (the only generator: 'phantom').")
  static final class Generate implements Callable<Integer> {
    @Parameters(paramLabel = "KIND", description = "phantom")
    String kind;

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(names = "--seed")
    long seed = 7;

    @Option(names = "--scale", description = "tiny, small, medium or paper-like (default small)")
    String scale = "small";

    @Mixin OutputOptions output;

    /** The phantom scale a user named, or an error listing the scales. */
    static PhantomGenerator.Scale scale(String name) {
      try {
        return PhantomGenerator.Scale.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new UserError("--scale " + name + ": use tiny, small, medium or paper-like");
      }
    }

    @Override
    public Integer call() throws Exception {
      if (!"phantom".equals(kind)) {
        throw new UserError("unknown generator '" + kind + "'; the only one is 'phantom'");
      }
      PhantomGenerator.Scale s = scale(scale);
      long t0 = System.nanoTime();
      PhantomGenerator.Summary summary = PhantomGenerator.generate(out, seed, s);
      output.print(
          java.util.Map.of(
              "images",
              summary.totalImages(),
              "manifest",
              String.valueOf(summary.manifest()),
              "contact_sheet",
              String.valueOf(summary.contactSheet())),
          String.format(
              Locale.ROOT,
              "%d images in %.1f s: %s%ncontact sheet: %s",
              summary.totalImages(),
              (System.nanoTime() - t0) / 1e9,
              summary.manifest(),
              summary.contactSheet()));
      return ExitCode.OK.code();
    }
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = "Check a manifest and every image it names; prints its digest.")
  static final class Validate implements Callable<Integer> {
    @Parameters(paramLabel = "MANIFEST")
    Path manifest;

    @Option(names = "--train-split", description = "default train")
    String trainSplit = "train";

    @Option(names = "--test-splits", split = ",", description = "default: every other split")
    List<String> testSplits;

    @Option(names = "--decode", description = "decode every image fully (default: headers only)")
    boolean decode;

    @Mixin OutputOptions output;

    @Override
    public Integer call() throws Exception {
      Manifest m = ManifestReader.read(manifest);
      List<String> tests =
          testSplits != null
              ? testSplits
              : m.splits().stream().filter(s -> !s.equals(trainSplit)).toList();
      LocalImageSource images = LocalImageSource.besides(manifest);
      ValidationReport report =
          new DatasetValidator(
                  trainSplit,
                  tests,
                  decode ? DatasetValidator.ImageCheck.DECODE : DatasetValidator.ImageCheck.HEADER)
              .validateOrThrow(m, images);
      String digest = DatasetDigest.of(m, images).hex();
      if (output.json()) {
        java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("manifest", manifest.toString());
        json.put("images", m.rows().size());
        json.put("classes", m.classes());
        json.put("splits", m.splits());
        json.put("train_split", trainSplit);
        json.put("test_splits", tests);
        json.put("warnings", report.warnings());
        json.put("digest", digest);
        output.printJson(json);
        return ExitCode.OK.code();
      }
      report.warnings().forEach(w -> System.out.println("warning: " + w));
      System.out.println(
          manifest
              + ": "
              + m.rows().size()
              + " images, classes "
              + m.classes()
              + ", splits "
              + m.splits()
              + "; train "
              + trainSplit
              + ", test "
              + tests);
      System.out.println("digest " + digest);
      return ExitCode.OK.code();
    }
  }

  @Command(
      name = "upload",
      mixinStandardHelpOptions = true,
      description =
          "Upload a manifest and its images to the bucket (checked first; the manifest goes last).")
  static final class Upload implements Callable<Integer> {
    @Parameters(paramLabel = "MANIFEST")
    Path manifest;

    @Option(names = "--to", required = true, paramLabel = "s3://BUCKET/PREFIX/")
    String to;

    @Mixin ConnectionOptions connection;
    @Mixin OutputOptions output;

    @Override
    public Integer call() throws Exception {
      if (!to.startsWith("s3://")) {
        throw new UserError("--to " + to + ": give s3://bucket/prefix/");
      }
      String rest = to.substring(5);
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      String prefix = slash < 0 ? "" : rest.substring(slash + 1);
      if (!prefix.isEmpty() && !prefix.endsWith("/")) {
        prefix += "/";
      }
      connection.bucket = bucket;
      Manifest m = ManifestReader.read(manifest);
      new DatasetValidator("train", List.of()).validate(m, LocalImageSource.besides(manifest));
      try (S3BlobStore store = connection.store()) {
        DatasetUploader.Upload up = DatasetUploader.upload(manifest, store, prefix);
        output.print(
            java.util.Map.of("images", up.images(), "dataset", store.uri(up.manifestKey())),
            "uploaded " + up.images() + " images; use dataset: " + store.uri(up.manifestKey()));
      }
      return ExitCode.OK.code();
    }
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = {
        "DICOM files (single- or multi-frame; native, RLE or 8-bit JPEG), videos (MP4, AVI, MOV) and "
            + "image folders (ROOT/LABEL/…) to PNG frames and a manifest.csv that 'dataset validate' accepts.",
        "Patient ids, sites and sequences become keyed pseudonyms (HMAC, key kept beside DIR as DIR.hmac-key); "
            + "no other header value is copied. Burned-in text in the pixels is yours to mask (--blank, --sector).",
        "A re-run skips finished files; exit status 1 when any input was refused (the manifest holds the rest)."
      })
  static final class Import implements Callable<Integer> {
    @Parameters(
        paramLabel = "SOURCE",
        arity = "1..*",
        description = "folders (searched recursively) or files")
    List<Path> sources;

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(
        names = "--labels",
        paramLabel = "CSV",
        description =
            "label per file, sop_instance_uid or series_instance_uid (columns: label and one of those; "
                + "optional patient, site); default: the folder below SOURCE")
    Path labels;

    @Option(
        names = "--frames",
        paramLabel = "RULE",
        description = "all, every:K, even:N (N evenly spaced) or fps:F (default all)")
    String frames = "all";

    @Option(
        names = "--splits",
        paramLabel = "NAME=FRACTION,…",
        description =
            "patients per split, stratified by label; the first is the training split (default train=0.8,T1=0.2)")
    String splits = "train=0.8,T1=0.2";

    @Option(
        names = "--ood-sites",
        paramLabel = "K",
        description = "put K whole sites (drawn with --seed) into --ood-split")
    int oodSites;

    @Option(names = "--ood-split", paramLabel = "NAME", description = "default T2")
    String oodSplit = "T2";

    @Option(names = "--seed")
    long seed = 7;

    @Option(names = "--threads", description = "default: one per core")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(
        names = "--key",
        paramLabel = "FILE",
        description = "HMAC key file (hex); created when missing (default DIR.hmac-key)")
    Path key;

    @Option(
        names = "--blank",
        paramLabel = "X,Y,W,H",
        description = "blank this rectangle in every frame (repeatable)")
    List<String> blank = new ArrayList<>();

    @Option(
        names = "--sector",
        paramLabel = "AX,AY,R,FROM,TO",
        description =
            "blank everything outside this sector: apex, radius, degrees from straight down (e.g. -40,40)")
    String sector;

    @Option(
        names = "--sequence-pattern",
        paramLabel = "REGEX",
        description =
            "images: group 1 of this regex over the path below SOURCE names the sequence (frames sort by name)")
    String sequencePattern;

    @Option(
        names = "--series-as-sequence",
        description =
            "single-frame DICOM files of one series form one sequence, in Instance Number order")
    boolean seriesAsSequence;

    @Override
    public Integer call() throws Exception {
      ImportOptions options;
      try {
        options =
            ImportOptions.defaults(sources, out)
                .withLabels(labels)
                .withFrames(FrameSelection.parse(frames))
                .withSplits(parseSplits(splits), oodSites, oodSplit)
                .withSeedAndThreads(seed, threads)
                .withMask(
                    new Mask(
                        blank.stream().map(Mask.Rect::parse).toList(),
                        sector == null ? null : Mask.Sector.parse(sector)))
                .withKeyFile(key)
                .withSequencePattern(
                    sequencePattern == null ? null : Pattern.compile(sequencePattern))
                .withSeriesAsSequence(seriesAsSequence);
      } catch (IllegalArgumentException e) { // includes PatternSyntaxException
        throw new UserError(
            e instanceof PatternSyntaxException
                ? "--sequence-pattern: " + e.getMessage()
                : e.getMessage());
      }
      ImportSummary summary = DatasetImporter.run(options, System.err);
      System.out.print(summary.format());
      if (summary.sequences() == 0) {
        System.out.println("nothing was imported");
        return ExitCode.CELLS_FAILED.code(); // ran to its end, every input refused (listed above)
      }
      Manifest m = ManifestReader.read(summary.manifest());
      List<String> tests =
          m.splits().stream().filter(s -> !s.equals(options.trainSplit())).toList();
      ValidationReport report =
          new DatasetValidator(options.trainSplit(), tests)
              .validate(m, LocalImageSource.besides(summary.manifest()));
      report.warnings().forEach(w -> System.out.println("warning: " + w));
      report.errors().forEach(e -> System.out.println("validation: " + e));
      System.out.println(
          report.ok()
              ? "dataset validate: ok (train " + options.trainSplit() + ", test " + tests + ")"
              : "dataset validate: "
                  + report.errors().size()
                  + " problem(s) above; adjust --splits or the labels");
      // Like a sweep with failed cells: it ran to its end, and what was refused is listed above.
      return (summary.refused().isEmpty() && report.ok() ? ExitCode.OK : ExitCode.CELLS_FAILED)
          .code();
    }

    /** {@code train=0.8,T1=0.2} in order. */
    static Map<String, Double> parseSplits(String text) {
      Map<String, Double> out = new LinkedHashMap<>();
      for (String part : text.split(",")) {
        String[] kv = part.split("=");
        try {
          if (kv.length != 2
              || kv[0].isBlank()
              || out.put(kv[0].trim(), Double.parseDouble(kv[1].trim())) != null) {
            throw new NumberFormatException();
          }
        } catch (NumberFormatException e) {
          throw new UserError(
              "--splits "
                  + text
                  + ": give NAME=FRACTION,… with distinct names, e.g. train=0.8,T1=0.2");
        }
      }
      return out;
    }
  }
}
