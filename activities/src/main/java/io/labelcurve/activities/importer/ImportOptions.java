package io.labelcurve.activities.importer;

import io.labelcurve.activities.frames.FrameSelection;
import io.labelcurve.activities.frames.Mask;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Settings of {@code labelcurve dataset import}.
 *
 * @param sources folders (searched recursively) and files
 * @param out the output folder: {@code manifest.csv}, {@code frames/}, and {@code .import/} (resume
 *     state)
 * @param labels a CSV mapping files or DICOM UIDs to labels (and optionally patients and sites), or
 *     null
 * @param frames which frames of each sequence are kept
 * @param keyFile the HMAC key for pseudonyms; null: {@link #defaultKeyFile}
 * @param mask regions blanked in every frame
 * @param splits split names and fractions of patients (first = training split), e.g. train 0.8, T1
 *     0.2
 * @param oodSites how many whole sites (drawn with the seed) go to {@link #oodSplit}; 0 for none
 * @param oodSplit the out-of-distribution test split's name
 * @param seed the seed of the split assignment
 * @param threads decoding threads
 * @param sequencePattern for image files: a regex over the path below the source whose group 1 (or
 *     whole match) names the sequence, so that frames of one clip share it; null: every image is
 *     its own sequence
 * @param seriesAsSequence single-frame DICOM files of one series form one sequence (ordered by
 *     Instance Number); false: every DICOM file is its own sequence
 */
public record ImportOptions(
    List<Path> sources,
    Path out,
    Path labels,
    FrameSelection frames,
    Path keyFile,
    Mask mask,
    Map<String, Double> splits,
    int oodSites,
    String oodSplit,
    long seed,
    int threads,
    Pattern sequencePattern,
    boolean seriesAsSequence) {
  public ImportOptions {
    sources = List.copyOf(sources);
    splits = new LinkedHashMap<>(splits);
    if (splits.isEmpty()) {
      throw new IllegalArgumentException("--splits names no split");
    }
    double sum = splits.values().stream().mapToDouble(Double::doubleValue).sum();
    if (splits.values().stream().anyMatch(f -> f < 0) || Math.abs(sum - 1) > 1e-6) {
      throw new IllegalArgumentException(
          "--splits fractions must be ≥ 0 and add up to 1, not " + sum);
    }
    if (oodSites > 0 && splits.containsKey(oodSplit)) {
      throw new IllegalArgumentException("--ood-split " + oodSplit + " is also one of --splits");
    }
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be at least 1");
    }
  }

  /**
   * The defaults: all frames, no mask, train 0.8 / T1 0.2, no OOD split, seed 7, one thread per
   * core.
   */
  public static ImportOptions defaults(List<Path> sources, Path out) {
    Map<String, Double> splits = new LinkedHashMap<>();
    splits.put("train", 0.8);
    splits.put("T1", 0.2);
    return new ImportOptions(
        sources,
        out,
        null,
        FrameSelection.ALL,
        null,
        Mask.NONE,
        splits,
        0,
        "T2",
        7,
        Runtime.getRuntime().availableProcessors(),
        null,
        false);
  }

  /**
   * The key beside (not inside) the output folder: {@code DIR.hmac-key}, so an upload of DIR never
   * carries it.
   */
  public static Path defaultKeyFile(Path out) {
    Path abs = out.toAbsolutePath().normalize();
    Path name = abs.getFileName();
    return abs.resolveSibling((name == null ? "dataset" : name.toString()) + ".hmac-key");
  }

  /** The key file in use. */
  public Path effectiveKeyFile() {
    return keyFile != null ? keyFile : defaultKeyFile(out);
  }

  public ImportOptions withLabels(Path labelsCsv) {
    return with(b -> b.labels = labelsCsv);
  }

  public ImportOptions withFrames(FrameSelection selection) {
    return with(b -> b.frames = selection);
  }

  public ImportOptions withSplits(
      Map<String, Double> newSplits, int newOodSites, String newOodSplit) {
    return with(
        b -> {
          b.splits = newSplits;
          b.oodSites = newOodSites;
          b.oodSplit = newOodSplit;
        });
  }

  public ImportOptions withSeedAndThreads(long newSeed, int newThreads) {
    return with(
        b -> {
          b.seed = newSeed;
          b.threads = newThreads;
        });
  }

  public ImportOptions withMask(Mask newMask) {
    return with(b -> b.mask = newMask);
  }

  public ImportOptions withKeyFile(Path newKeyFile) {
    return with(b -> b.keyFile = newKeyFile);
  }

  public ImportOptions withSequencePattern(Pattern pattern) {
    return with(b -> b.sequencePattern = pattern);
  }

  public ImportOptions withSeriesAsSequence(boolean grouped) {
    return with(b -> b.seriesAsSequence = grouped);
  }

  /** A copy with {@code change} applied, checked again by the canonical constructor. */
  private ImportOptions with(Consumer<Copy> change) {
    Copy b = new Copy();
    change.accept(b);
    return new ImportOptions(
        b.sources,
        b.out,
        b.labels,
        b.frames,
        b.keyFile,
        b.mask,
        b.splits,
        b.oodSites,
        b.oodSplit,
        b.seed,
        b.threads,
        b.sequencePattern,
        b.seriesAsSequence);
  }

  /** This record's fields, to change some before building the next. */
  private final class Copy {
    List<Path> sources = ImportOptions.this.sources;
    Path out = ImportOptions.this.out;
    Path labels = ImportOptions.this.labels;
    FrameSelection frames = ImportOptions.this.frames;
    Path keyFile = ImportOptions.this.keyFile;
    Mask mask = ImportOptions.this.mask;
    Map<String, Double> splits = ImportOptions.this.splits;
    int oodSites = ImportOptions.this.oodSites;
    String oodSplit = ImportOptions.this.oodSplit;
    long seed = ImportOptions.this.seed;
    int threads = ImportOptions.this.threads;
    Pattern sequencePattern = ImportOptions.this.sequencePattern;
    boolean seriesAsSequence = ImportOptions.this.seriesAsSequence;
  }

  /** The training split: the first of {@link #splits}. */
  public String trainSplit() {
    return splits.keySet().iterator().next();
  }
}
