package io.labelcurve.starter;

import io.labelcurve.activities.dataset.DatasetDigest;
import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.dataset.DatasetValidator;
import io.labelcurve.activities.dataset.LocalImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.dataset.ValidationReport;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.storage.S3BlobStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code labelcurve dataset …}: make, check and upload datasets. */
@Command(name = "dataset", mixinStandardHelpOptions = true, description = "Generate, validate and upload datasets.",
    subcommands = {DatasetCommand.Generate.class, DatasetCommand.Validate.class, DatasetCommand.Upload.class})
final class DatasetCommand {

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "Generate the synthetic cardiac-ultrasound phantom (the only generator: 'phantom').")
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
      if (output.json()) {
        output.printJson(java.util.Map.of("images", summary.totalImages(),
            "manifest", String.valueOf(summary.manifest()),
            "contact_sheet", String.valueOf(summary.contactSheet())));
        return ExitCode.OK.code();
      }
      System.out.printf(Locale.ROOT, "%d images in %.1f s: %s%ncontact sheet: %s%n",
          summary.totalImages(), (System.nanoTime() - t0) / 1e9, summary.manifest(),
          summary.contactSheet());
      return ExitCode.OK.code();
    }
  }

  @Command(name = "validate", mixinStandardHelpOptions = true,
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
      List<String> tests = testSplits != null ? testSplits
          : m.splits().stream().filter(s -> !s.equals(trainSplit)).toList();
      LocalImageSource images = LocalImageSource.besides(manifest);
      ValidationReport report = new DatasetValidator(trainSplit, tests,
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
      System.out.println(manifest + ": " + m.rows().size() + " images, classes " + m.classes()
          + ", splits " + m.splits() + "; train " + trainSplit + ", test " + tests);
      System.out.println("digest " + digest);
      return ExitCode.OK.code();
    }
  }

  @Command(name = "upload", mixinStandardHelpOptions = true,
      description = "Upload a manifest and its images to the bucket (checked first; the manifest goes last).")
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
        if (output.json()) {
          output.printJson(java.util.Map.of("images", up.images(),
              "dataset", store.uri(up.manifestKey())));
        } else {
          System.out.println("uploaded " + up.images() + " images; use dataset: "
              + store.uri(up.manifestKey()));
        }
      }
      return ExitCode.OK.code();
    }
  }
}
