package io.labelcurve.activities.dataset;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.image.ImageDecoder;
import io.labelcurve.activities.image.ImageSource;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Function;

/**
 * Checks what a well-formed manifest means for a sweep that trains on one split and tests on
 * others, before any expensive work.
 *
 * <p>Errors: a named split with no rows; a test class never seen in training; a sequence or a
 * patient in two splits (leakage: the test would measure memory, not recognition); a sequence with
 * two labels; a missing or unreadable image; an image whose header declares an absurd size (a
 * decompression bomb; refused from the header, before decoding). Warnings: heavy class imbalance in
 * training (largest class more than {@value #IMBALANCE_RATIO}× the smallest), training classes with
 * fewer than {@value #FEW_SEQUENCES} sequences, splits in the manifest that the sweep does not use.
 */
public final class DatasetValidator {
  /** Largest / smallest training class, in images, above which a warning is given. */
  public static final int IMBALANCE_RATIO = 20;

  /** A training class with fewer sequences than this is warned about. */
  public static final int FEW_SEQUENCES = 3;

  /** How much of every image is checked. */
  public enum ImageCheck {
    /** Images are not looked at (manifest-only checks). */
    NONE,
    /** Every image exists and its header declares a sane size; no pixel is decoded. */
    HEADER,
    /** Every image is fully decoded (slower; catches truncated pixel data). */
    DECODE
  }

  private final String trainSplit;
  private final List<String> testSplits;
  private final ImageCheck imageCheck;
  private final boolean sequenceSampling;

  /** Checks images' headers. */
  public DatasetValidator(String trainSplit, List<String> testSplits) {
    this(trainSplit, testSplits, ImageCheck.HEADER);
  }

  public DatasetValidator(String trainSplit, List<String> testSplits, ImageCheck imageCheck) {
    this(trainSplit, testSplits, imageCheck, true);
  }

  private DatasetValidator(
      String trainSplit, List<String> testSplits, ImageCheck imageCheck, boolean sequenceSampling) {
    this.trainSplit = Objects.requireNonNull(trainSplit, "trainSplit");
    this.testSplits = List.copyOf(testSplits);
    this.imageCheck = Objects.requireNonNull(imageCheck, "imageCheck");
    this.sequenceSampling = sequenceSampling;
  }

  /**
   * This validator for a sweep that does or does not sample sequences: without sequence sampling a
   * class's few training sequences limit nothing, and are not warned about.
   */
  public DatasetValidator sequenceSampling(boolean used) {
    return new DatasetValidator(trainSplit, testSplits, imageCheck, used);
  }

  /** Everything found; never throws for a problem of the dataset. */
  public ValidationReport validate(Manifest manifest, ImageSource images) {
    List<String> errors = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    String loc = manifest.location();
    List<String> present = manifest.splits();

    List<String> named = new ArrayList<>();
    named.add(trainSplit);
    named.addAll(testSplits);
    for (String split : named) {
      if (!present.contains(split)) {
        errors.add(
            loc + ": split '" + split + "' has no rows; the manifest's splits are " + present);
      }
    }
    for (String split : present) {
      if (!named.contains(split)) {
        warnings.add(
            loc
                + ": split '"
                + split
                + "' ("
                + manifest.rowsOf(split).size()
                + " rows) is neither the training split nor a test split and is not used");
      }
    }

    checkClasses(manifest, errors, warnings);
    checkLeakage(manifest, ManifestRow::sequence, "sequence", errors);
    checkLeakage(manifest, ManifestRow::patient, "patient", errors);
    checkOneLabelPerSequence(manifest, errors);
    if (imageCheck != ImageCheck.NONE) {
      checkImages(manifest, images, errors);
    }
    return new ValidationReport(errors, warnings);
  }

  /**
   * {@link #validate} that throws one {@link BadInputException} listing the errors (the first 20
   * and a count of the rest) when there are any.
   *
   * @return the report, whose warnings the caller should show
   */
  public ValidationReport validateOrThrow(Manifest manifest, ImageSource images) {
    ValidationReport report = validate(manifest, images);
    if (!report.ok()) {
      throw ManifestReader.failure(manifest.location(), report.errors());
    }
    return report;
  }

  private void checkClasses(Manifest manifest, List<String> errors, List<String> warnings) {
    String loc = manifest.location();
    SortedMap<String, Integer> trainImages = manifest.imagesPerClass(trainSplit);
    for (String test : testSplits) {
      Map<String, ManifestRow> firstOfClass = new LinkedHashMap<>();
      for (ManifestRow r : manifest.rowsOf(test)) {
        firstOfClass.putIfAbsent(r.label(), r);
      }
      firstOfClass.forEach(
          (label, row) -> {
            if (!trainImages.containsKey(label)) {
              errors.add(
                  loc
                      + ", row "
                      + row.rowNumber()
                      + ": class '"
                      + label
                      + "' of test split '"
                      + test
                      + "' never appears in training split '"
                      + trainSplit
                      + "'; a model cannot learn it");
            }
          });
    }
    if (trainImages.size() >= 2) {
      String largest = null;
      String smallest = null;
      for (Map.Entry<String, Integer> e : trainImages.entrySet()) {
        if (largest == null || e.getValue() > trainImages.get(largest)) {
          largest = e.getKey();
        }
        if (smallest == null || e.getValue() < trainImages.get(smallest)) {
          smallest = e.getKey();
        }
      }
      int big = trainImages.get(largest);
      int small = trainImages.get(smallest);
      if (big > (long) IMBALANCE_RATIO * small) {
        warnings.add(
            loc
                + ": training split '"
                + trainSplit
                + "' is heavily imbalanced: class '"
                + largest
                + "' has "
                + big
                + " images, class '"
                + smallest
                + "' "
                + small
                + "; image sampling will rarely draw the small class");
      }
    }
    manifest
        .sequencesPerClass(trainSplit)
        .forEach(
            (label, sequences) -> {
              if (sequenceSampling && sequences < FEW_SEQUENCES) {
                warnings.add(
                    loc
                        + ": class '"
                        + label
                        + "' has only "
                        + sequences
                        + " sequence"
                        + (sequences == 1 ? "" : "s")
                        + " in training split '"
                        + trainSplit
                        + "'; balanced sequence sampling cannot go beyond "
                        + sequences
                        + " per class");
              }
            });
  }

  /** A key (sequence or patient) seen in two splits, naming the first row of each. */
  private static void checkLeakage(
      Manifest manifest, Function<ManifestRow, String> key, String what, List<String> errors) {
    Map<String, ManifestRow> first = new HashMap<>();
    Map<String, Boolean> reported = new HashMap<>();
    for (ManifestRow r : manifest.rows()) {
      String k = key.apply(r);
      if (k == null) {
        continue;
      }
      ManifestRow earlier = first.putIfAbsent(k, r);
      if (earlier != null
          && !earlier.split().equals(r.split())
          && reported.putIfAbsent(k, true) == null) {
        errors.add(
            manifest.location()
                + ", rows "
                + earlier.rowNumber()
                + " and "
                + r.rowNumber()
                + ": "
                + what
                + " '"
                + k
                + "' is in split '"
                + earlier.split()
                + "' (row "
                + earlier.rowNumber()
                + ") and in split '"
                + r.split()
                + "' (row "
                + r.rowNumber()
                + "); a "
                + what
                + " must stay in one split, or the test leaks training data");
      }
    }
  }

  private static void checkOneLabelPerSequence(Manifest manifest, List<String> errors) {
    Map<String, ManifestRow> first = new HashMap<>();
    Map<String, Boolean> reported = new HashMap<>();
    for (ManifestRow r : manifest.rows()) {
      ManifestRow earlier = first.putIfAbsent(r.sequence(), r);
      if (earlier != null
          && !earlier.label().equals(r.label())
          && reported.putIfAbsent(r.sequence(), true) == null) {
        errors.add(
            manifest.location()
                + ", rows "
                + earlier.rowNumber()
                + " and "
                + r.rowNumber()
                + ": sequence '"
                + r.sequence()
                + "' is labelled '"
                + earlier.label()
                + "' (row "
                + earlier.rowNumber()
                + ") and '"
                + r.label()
                + "' (row "
                + r.rowNumber()
                + "); every frame of a sequence must have the sequence's label");
      }
    }
  }

  /** Reads every image in parallel (reads over S3 are latency-bound); errors in file order. */
  private void checkImages(Manifest manifest, ImageSource images, List<String> errors) {
    String loc = manifest.location();
    List<Optional<String>> found =
        manifest.rows().parallelStream().map(row -> checkImage(loc, row, images)).toList();
    found.forEach(e -> e.ifPresent(errors::add));
  }

  private Optional<String> checkImage(String loc, ManifestRow row, ImageSource images) {
    String prefix = loc + ", row " + row.rowNumber() + ": ";
    byte[] bytes;
    try {
      bytes = images.read(row.image());
    } catch (NoSuchFileException e) {
      return Optional.of(
          prefix + "image " + row.image() + " not found at " + images.describe(row.image()));
    } catch (IOException e) {
      return Optional.of(
          prefix
              + "image "
              + row.image()
              + " cannot be read at "
              + images.describe(row.image())
              + " ("
              + e.getMessage()
              + ")");
    }
    try {
      if (imageCheck == ImageCheck.DECODE) {
        ImageDecoder.decode(bytes, images.describe(row.image()));
      } else {
        ImageDecoder.checkHeader(bytes, images.describe(row.image()));
      }
      return Optional.empty();
    } catch (BadInputException e) {
      return Optional.of(prefix + e.getMessage());
    }
  }
}
