package io.labelcurve.activities.importer;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * {@code labelcurve dataset import}: DICOM files, videos and image folders to PNG frames and a
 * {@code manifest.csv} ({@code image,label,sequence,split,frame,patient,site}) that {@code dataset
 * validate} accepts.
 *
 * <p>Privacy: patient ids, sites, sequences and file names reach the output only as keyed
 * pseudonyms ({@link Pseudonyms}); no other DICOM header value is read (see {@code
 * DicomParser.KEPT}); PNGs carry no metadata. Burned-in text in the pixels is the user's to mask
 * ({@code --blank}, {@code --sector}).
 *
 * <p>Every unit is imported in parallel and recorded when done, so a re-run skips finished ones;
 * the splits and the manifest are recomputed from all units every run (cheap), so labels and split
 * settings may change between runs without re-decoding.
 */
public final class DatasetImporter {
  private DatasetImporter() {}

  /**
   * Runs an import.
   *
   * @param progress where the progress bar is drawn, or null for none
   * @throws BadInputException for a problem that stops the whole import (a bad labels CSV, no
   *     input)
   */
  public static ImportSummary run(ImportOptions options, PrintStream progress) {
    long t0 = System.nanoTime();
    Path keyFile = options.effectiveKeyFile();
    if (keyFile
        .toAbsolutePath()
        .normalize()
        .startsWith(options.out().toAbsolutePath().normalize())) {
      throw new BadInputException(
          "--key "
              + keyFile
              + ": the pseudonym key must not lie inside the output folder "
              + options.out()
              + ", which is meant to be shared");
    }
    Pseudonyms pseudonyms = Pseudonyms.loadOrCreate(keyFile);
    LabelTable labels =
        options.labels() == null ? null : LabelTable.read(options.labels(), pseudonyms);
    SourceScanner.Scan scan =
        SourceScanner.scan(
            options.sources(), options.sequencePattern(), List.of(options.out(), keyFile));
    List<Refusal> refused = new ArrayList<>(scan.refused());

    List<WorkUnit> units = new ArrayList<>();
    for (WorkUnit unit : scan.units()) {
      // Videos and images can only be labelled by folder or file name: refuse them before decoding.
      boolean labelPossible =
          unit.kind() == WorkUnit.Kind.DICOM
              || unit.folderLabel() != null
              || (labels != null && labels.match(unit, null, null) != null);
      if (labelPossible) {
        units.add(unit);
      } else {
        refused.add(new Refusal(unit.file().toString(), noLabel(labels)));
      }
    }
    if (units.isEmpty()) {
      throw new BadInputException(
          "nothing to import in "
              + options.sources()
              + (refused.isEmpty()
                  ? ""
                  : "; refused:\n  "
                      + String.join(
                          "\n  ",
                          refused.stream().map(r -> r.input() + ": " + r.reason()).toList())));
    }
    Map<WorkUnit, UnitResult> results = importAll(options, pseudonyms, units, refused, progress);
    return assemble(options, keyFile, pseudonyms, labels, scan, results, refused, t0);
  }

  private static String noLabel(LabelTable labels) {
    return "no label: the file is not in a label folder (SOURCE/LABEL/…)"
        + (labels == null
            ? " and no --labels CSV is given"
            : " and no row of the --labels CSV names it");
  }

  private static Map<WorkUnit, UnitResult> importAll(
      ImportOptions options,
      Pseudonyms pseudonyms,
      List<WorkUnit> units,
      List<Refusal> refused,
      PrintStream progress) {
    UnitImporter importer = new UnitImporter(options, pseudonyms);
    ProgressBar bar = new ProgressBar(progress, units.size());
    ExecutorService pool = Executors.newFixedThreadPool(options.threads());
    Map<WorkUnit, UnitResult> results = new LinkedHashMap<>();
    try {
      List<Future<Object>> futures = new ArrayList<>();
      for (WorkUnit unit : units) {
        futures.add(
            pool.submit(
                () -> {
                  try {
                    UnitResult r = importer.importUnit(unit);
                    bar.step(r.resumed() ? 0 : r.frames().size(), false);
                    return r;
                  } catch (BadInputException e) {
                    bar.step(0, true);
                    return new Refusal(unit.file().toString(), reason(unit, e.getMessage()));
                  } catch (UncheckedIOException e) {
                    throw e; // the output cannot be written (disk full, permissions): no point
                    // going on
                  } catch (RuntimeException e) {
                    // A malformed file that slipped past the readers' checks is still this file's
                    // problem, not
                    // the whole import's: it is named and left out like any other refused input.
                    bar.step(0, true);
                    return new Refusal(
                        unit.file().toString(), "malformed, cannot be decoded (" + e + ")");
                  }
                }));
      }
      for (int i = 0; i < units.size(); i++) {
        Object outcome = futures.get(i).get();
        if (outcome instanceof UnitResult r) {
          results.put(units.get(i), r);
        } else {
          refused.add((Refusal) outcome);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("import interrupted; run it again to resume", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause);
    } finally {
      pool.shutdownNow();
      bar.finish();
    }
    return results;
  }

  /** A refusal message without the file name in front (the summary names the file itself). */
  private static String reason(WorkUnit unit, String message) {
    String prefix = unit.file() + ": ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  /** One sequence of the manifest. */
  private record Built(
      String sequence, String label, String patient, String site, List<FrameRow> frames) {}

  /** A single-frame DICOM file waiting to join its series' sequence. */
  private record Member(
      WorkUnit unit, UnitResult result, String label, String patient, String site) {}

  private static ImportSummary assemble(
      ImportOptions options,
      Path keyFile,
      Pseudonyms pseudonyms,
      LabelTable labels,
      SourceScanner.Scan scan,
      Map<WorkUnit, UnitResult> results,
      List<Refusal> refused,
      long t0) {
    List<Built> built = new ArrayList<>();
    Map<String, Path> fileOfSequence = new HashMap<>();
    Map<String, List<Member>> series = new LinkedHashMap<>();
    int resumed = 0;
    for (Map.Entry<WorkUnit, UnitResult> e : results.entrySet()) {
      WorkUnit unit = e.getKey();
      UnitResult r = e.getValue();
      resumed += r.resumed() ? 1 : 0;
      LabelTable.Entry row =
          labels == null ? null : labels.match(unit, r.sopInstance(), r.seriesInstance());
      String label = row != null ? row.label() : unit.folderLabel();
      if (label == null) {
        refused.add(
            new Refusal(
                unit.file().toString(),
                noLabel(labels)
                    + (unit.kind() == WorkUnit.Kind.DICOM
                        ? " (nor its SOP or Series Instance UID)"
                        : "")));
        continue;
      }
      // A labels CSV's patient or site (the only source for videos and images) overrides the
      // header's.
      String patient =
          row != null && row.patient() != null
              ? pseudonyms.id("patient", "p", row.patient())
              : r.patient();
      String site =
          row != null && row.site() != null ? pseudonyms.id("site", "site", row.site()) : r.site();
      if (options.seriesAsSequence()
          && unit.kind() == WorkUnit.Kind.DICOM
          && r.sourceFrames() == 1
          && r.seriesInstance() != null) {
        series
            .computeIfAbsent(r.seriesInstance(), k -> new ArrayList<>())
            .add(new Member(unit, r, label, patient, site));
        continue;
      }
      add(
          built,
          fileOfSequence,
          refused,
          unit.file(),
          new Built(r.sequence(), label, patient, site, r.frames()));
    }
    series.forEach(
        (seriesHash, members) ->
            seriesSequence(options, pseudonyms, seriesHash, members, refused)
                .ifPresent(
                    b -> add(built, fileOfSequence, refused, members.get(0).unit().file(), b)));
    if (labels != null) {
      refused.addAll(labels.unmatched());
    }
    Map<String, String> splitOf =
        SplitAssigner.assign(
            built.stream()
                .map(
                    b -> new SplitAssigner.Sequence(b.sequence(), b.label(), b.patient(), b.site()))
                .toList(),
            options.splits(),
            options.oodSites(),
            options.oodSplit(),
            options.seed());
    List<String> splitNames = new ArrayList<>(options.splits().keySet());
    if (options.oodSites() > 0) {
      splitNames.add(options.oodSplit());
    }
    Path manifest = options.out().resolve("manifest.csv");
    SortedMap<String, Map<String, int[]>> counts = new TreeMap<>();
    writeManifest(manifest, built, splitOf, counts);
    Map<String, Integer> perKind = new TreeMap<>();
    scan.units().forEach(u -> perKind.merge(kindName(u.kind()), 1, Integer::sum));
    return new ImportSummary(
        manifest,
        keyFile,
        perKind,
        results.size() - resumed,
        resumed,
        counts,
        splitNames,
        refused,
        (System.nanoTime() - t0) / 1e9);
  }

  /** Adds a sequence unless an earlier file gave the same one (a copy of one acquisition). */
  private static void add(
      List<Built> built,
      Map<String, Path> fileOfSequence,
      List<Refusal> refused,
      Path file,
      Built sequence) {
    Path first = fileOfSequence.putIfAbsent(sequence.sequence(), file);
    if (first != null) {
      refused.add(
          new Refusal(
              file.toString(),
              "the same SOP Instance UID as "
                  + first
                  + ": a copy of one acquisition; it is imported once"));
      return;
    }
    built.add(sequence);
  }

  /**
   * The single-frame files of one series as one sequence, in Instance Number order (then path),
   * with {@code --frames} applied over them; refused when its files carry different labels.
   */
  private static Optional<Built> seriesSequence(
      ImportOptions options,
      Pseudonyms pseudonyms,
      String seriesHash,
      List<Member> members,
      List<Refusal> refused) {
    List<Member> ordered = new ArrayList<>(members);
    ordered.sort(
        Comparator.comparing(
                (Member m) -> m.result().instanceNumber(),
                Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(m -> m.unit().relative()));
    Set<String> labelsSeen = new TreeSet<>();
    ordered.forEach(m -> labelsSeen.add(m.label()));
    Path first = ordered.get(0).unit().file();
    if (labelsSeen.size() > 1) {
      ordered.forEach(
          m ->
              refused.add(
                  new Refusal(
                      m.unit().file().toString(),
                      "its series (with "
                          + first
                          + ") has the labels "
                          + labelsSeen
                          + "; with --series-as-sequence a series is one sequence of one label")));
      return Optional.empty();
    }
    int[] picks;
    try {
      picks = options.frames().pick(ordered.size(), OptionalDouble.empty(), first.toString());
    } catch (BadInputException e) {
      ordered.forEach(
          m ->
              refused.add(
                  new Refusal(
                      m.unit().file().toString(),
                      "its series (with "
                          + first
                          + "): --frames "
                          + options.frames().describe()
                          + " needs a frame rate, which a series of stills lacks")));
      return Optional.empty();
    }
    List<FrameRow> frames = new ArrayList<>();
    for (int index : picks) {
      frames.add(new FrameRow(index, ordered.get(index).result().frames().get(0).image()));
    }
    Member head = ordered.get(0);
    return Optional.of(
        new Built(
            pseudonyms.id("sequence", "s", "series:" + seriesHash),
            head.label(),
            head.patient(),
            head.site(),
            frames));
  }

  private static String kindName(WorkUnit.Kind kind) {
    return switch (kind) {
      case DICOM -> "DICOM files";
      case VIDEO -> "videos";
      case IMAGES -> "image sequences";
    };
  }

  /** Written to a temporary file and moved into place, so a reader never sees half a manifest. */
  private static void writeManifest(
      Path manifest,
      List<Built> built,
      Map<String, String> splitOf,
      SortedMap<String, Map<String, int[]>> counts) {
    try {
      Files.createDirectories(manifest.getParent());
      Path tmp = Files.createTempFile(manifest.getParent(), "manifest", ".tmp");
      CSVFormat format =
          CSVFormat.RFC4180
              .builder()
              .setHeader("image", "label", "sequence", "split", "frame", "patient", "site")
              .setRecordSeparator('\n')
              .get();
      try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
          CSVPrinter printer = new CSVPrinter(writer, format)) {
        for (Built b : built) {
          String split = splitOf.get(b.sequence());
          int[] c =
              counts
                  .computeIfAbsent(b.label(), l -> new HashMap<>())
                  .computeIfAbsent(split, s -> new int[2]);
          c[0]++;
          for (FrameRow f : b.frames()) {
            printer.printRecord(
                f.image(),
                b.label(),
                b.sequence(),
                split,
                f.frame(),
                b.patient() == null ? "" : b.patient(),
                b.site() == null ? "" : b.site());
            c[1]++;
          }
        }
      }
      Files.move(
          tmp, manifest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(manifest + ": cannot write the manifest", e);
    }
  }
}
