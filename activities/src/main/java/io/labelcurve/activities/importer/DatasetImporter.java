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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
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
 * <p>Privacy: patient ids, sites, sequences and file names reach the output only as keyed pseudonyms
 * ({@link Pseudonyms}); no other DICOM header value is read (see {@code DicomParser.KEPT}); PNGs carry no
 * metadata. Burned-in text in the pixels is the user's to mask ({@code --blank}, {@code --sector}).
 *
 * <p>Every unit is imported in parallel and recorded when done, so a re-run skips finished ones; the
 * splits and the manifest are recomputed from all units every run (cheap), so labels and split settings
 * may change between runs without re-decoding.
 */
public final class DatasetImporter {
  private DatasetImporter() {}

  /**
   * Runs an import.
   *
   * @param progress where the progress bar is drawn, or null for none
   * @throws BadInputException for a problem that stops the whole import (a bad labels CSV, no input)
   */
  public static ImportSummary run(ImportOptions options, PrintStream progress) {
    long t0 = System.nanoTime();
    Path keyFile = options.effectiveKeyFile();
    if (keyFile.toAbsolutePath().normalize().startsWith(options.out().toAbsolutePath().normalize())) {
      throw new BadInputException("--key " + keyFile + ": the pseudonym key must not lie inside the output folder "
          + options.out() + ", which is meant to be shared");
    }
    Pseudonyms pseudonyms = Pseudonyms.loadOrCreate(keyFile);
    LabelTable labels = options.labels() == null ? null : LabelTable.read(options.labels(), pseudonyms);
    SourceScanner.Scan scan = SourceScanner.scan(options.sources(), options.sequencePattern());
    List<Refusal> refused = new ArrayList<>(scan.refused());

    List<WorkUnit> units = new ArrayList<>();
    for (WorkUnit unit : scan.units()) {
      // Videos and images can only be labelled by folder or file name: refuse them before decoding.
      boolean labelPossible = unit.kind() == WorkUnit.Kind.DICOM || unit.folderLabel() != null
          || labels != null && labels.match(unit, null, null) != null;
      if (labelPossible) {
        units.add(unit);
      } else {
        refused.add(new Refusal(unit.file().toString(), noLabel(labels)));
      }
    }
    if (units.isEmpty()) {
      throw new BadInputException("nothing to import in " + options.sources() + (refused.isEmpty() ? ""
          : "; refused:\n  " + String.join("\n  ", refused.stream().map(r -> r.input() + ": " + r.reason()).toList())));
    }
    Map<WorkUnit, UnitResult> results = importAll(options, pseudonyms, units, refused, progress);
    return assemble(options, keyFile, pseudonyms, labels, scan, results, refused, t0);
  }

  private static String noLabel(LabelTable labels) {
    return "no label: the file is not in a label folder (SOURCE/LABEL/…)"
        + (labels == null ? " and no --labels CSV is given" : " and no row of the --labels CSV names it");
  }

  private static Map<WorkUnit, UnitResult> importAll(ImportOptions options, Pseudonyms pseudonyms,
      List<WorkUnit> units, List<Refusal> refused, PrintStream progress) {
    UnitImporter importer = new UnitImporter(options, pseudonyms);
    ProgressBar bar = new ProgressBar(progress, units.size());
    ExecutorService pool = Executors.newFixedThreadPool(options.threads());
    Map<WorkUnit, UnitResult> results = new LinkedHashMap<>();
    try {
      List<Future<Object>> futures = new ArrayList<>();
      for (WorkUnit unit : units) {
        futures.add(pool.submit(() -> {
          try {
            UnitResult r = importer.importUnit(unit);
            bar.step(r.resumed() ? 0 : r.frames().size(), false);
            return r;
          } catch (BadInputException e) {
            bar.step(0, true);
            return new Refusal(unit.file().toString(), reason(unit, e.getMessage()));
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

  private static ImportSummary assemble(ImportOptions options, Path keyFile, Pseudonyms pseudonyms,
      LabelTable labels, SourceScanner.Scan scan, Map<WorkUnit, UnitResult> results, List<Refusal> refused,
      long t0) {
    List<SplitAssigner.Sequence> sequences = new ArrayList<>();
    Map<String, WorkUnit> unitOfSequence = new HashMap<>();
    Map<String, String> labelOf = new HashMap<>();
    Map<String, String[]> patientSiteOf = new HashMap<>();
    int resumed = 0;
    for (Map.Entry<WorkUnit, UnitResult> e : results.entrySet()) {
      WorkUnit unit = e.getKey();
      UnitResult r = e.getValue();
      resumed += r.resumed() ? 1 : 0;
      LabelTable.Entry row = labels == null ? null : labels.match(unit, r.sopInstance(), r.seriesInstance());
      String label = row != null ? row.label() : unit.folderLabel();
      if (label == null) {
        refused.add(new Refusal(unit.file().toString(), noLabel(labels)
            + " (nor its SOP or Series Instance UID)"));
        continue;
      }
      WorkUnit first = unitOfSequence.putIfAbsent(r.sequence(), unit);
      if (first != null) {
        refused.add(new Refusal(unit.file().toString(), "the same SOP Instance UID as " + first.file()
            + ": a copy of one acquisition; it is imported once"));
        continue;
      }
      // A labels CSV's patient or site (the only source for videos and images) overrides the header's.
      String patient = row != null && row.patient() != null ? pseudonyms.id("patient", "p", row.patient()) : r.patient();
      String site = row != null && row.site() != null ? pseudonyms.id("site", "site", row.site()) : r.site();
      labelOf.put(r.sequence(), label);
      patientSiteOf.put(r.sequence(), new String[] {patient, site});
      sequences.add(new SplitAssigner.Sequence(r.sequence(), label, patient, site));
    }
    if (labels != null) {
      refused.addAll(labels.unmatched());
    }
    Map<String, String> splitOf = SplitAssigner.assign(sequences, options.splits(), options.oodSites(),
        options.oodSplit(), options.seed());
    List<String> splitNames = new ArrayList<>(options.splits().keySet());
    if (options.oodSites() > 0) {
      splitNames.add(options.oodSplit());
    }
    Path manifest = options.out().resolve("manifest.csv");
    SortedMap<String, Map<String, int[]>> counts = new TreeMap<>();
    writeManifest(manifest, results, unitOfSequence, labelOf, patientSiteOf, splitOf, counts);
    Map<String, Integer> perKind = new TreeMap<>();
    scan.units().forEach(u -> perKind.merge(kindName(u.kind()), 1, Integer::sum));
    return new ImportSummary(manifest, keyFile, perKind, results.size() - resumed, resumed, counts, splitNames,
        refused, (System.nanoTime() - t0) / 1e9);
  }

  private static String kindName(WorkUnit.Kind kind) {
    return switch (kind) {
      case DICOM -> "DICOM files";
      case VIDEO -> "videos";
      case IMAGES -> "image sequences";
    };
  }

  /** Written to a temporary file and moved into place, so a reader never sees half a manifest. */
  private static void writeManifest(Path manifest, Map<WorkUnit, UnitResult> results,
      Map<String, WorkUnit> unitOfSequence, Map<String, String> labelOf, Map<String, String[]> patientSiteOf,
      Map<String, String> splitOf, SortedMap<String, Map<String, int[]>> counts) {
    try {
      Files.createDirectories(manifest.getParent());
      Path tmp = Files.createTempFile(manifest.getParent(), "manifest", ".tmp");
      CSVFormat format = CSVFormat.RFC4180.builder()
          .setHeader("image", "label", "sequence", "split", "frame", "patient", "site").setRecordSeparator('\n').get();
      try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
          CSVPrinter printer = new CSVPrinter(writer, format)) {
        for (Map.Entry<WorkUnit, UnitResult> e : results.entrySet()) {
          UnitResult r = e.getValue();
          if (unitOfSequence.get(r.sequence()) != e.getKey() || !labelOf.containsKey(r.sequence())) {
            continue;
          }
          String label = labelOf.get(r.sequence());
          String split = splitOf.get(r.sequence());
          String[] ps = patientSiteOf.get(r.sequence());
          int[] c = counts.computeIfAbsent(label, l -> new HashMap<>()).computeIfAbsent(split, s -> new int[2]);
          c[0]++;
          for (FrameRow f : r.frames()) {
            printer.printRecord(f.image(), label, r.sequence(), split, f.frame(), ps[0] == null ? "" : ps[0],
                ps[1] == null ? "" : ps[1]);
            c[1]++;
          }
        }
      }
      Files.move(tmp, manifest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(manifest + ": cannot write the manifest", e);
    }
  }
}
