package io.labelcurve.activities.importer;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Labels given in a CSV (view labels are not in DICOM headers): a header with {@code label} and at
 * least one key column, {@code file} (a path below a source, a path as given on the command line,
 * or a bare file name when it is unique), {@code sop_instance_uid} or {@code series_instance_uid};
 * optional {@code patient} and {@code site} (for videos and images, which carry none; pseudonymised
 * like DICOM's). A row that matches no imported unit is reported by row number.
 */
final class LabelTable {
  static final List<String> KEYS = List.of("file", "sop_instance_uid", "series_instance_uid");

  /**
   * One row.
   *
   * @param row the row's line number (header = 1)
   */
  record Entry(
      int row,
      String file,
      String sopHash,
      String seriesHash,
      String label,
      String patient,
      String site) {}

  private final Path csv;
  private final List<Entry> entries;
  private final Map<String, Entry> byFile = new HashMap<>();
  private final Map<String, List<Entry>> byName = new HashMap<>();
  private final Map<String, Entry> bySop = new HashMap<>();
  private final Map<String, Entry> bySeries = new HashMap<>();
  private final Set<Integer> matched = ConcurrentHashMap.newKeySet();

  private LabelTable(Path csv, List<Entry> entries) {
    this.csv = csv;
    this.entries = entries;
    for (Entry e : entries) {
      if (e.file() != null) {
        byFile.put(normalise(e.file()), e);
        byName
            .computeIfAbsent(Path.of(e.file()).getFileName().toString(), n -> new ArrayList<>())
            .add(e);
      }
      if (e.sopHash() != null) {
        bySop.put(e.sopHash(), e);
      }
      if (e.seriesHash() != null) {
        bySeries.put(e.seriesHash(), e);
      }
    }
  }

  /**
   * Reads and checks the CSV; UIDs are pseudonymised at once, as they are matched against
   * pseudonyms.
   */
  static LabelTable read(Path csv, Pseudonyms pseudonyms) {
    CSVFormat format =
        CSVFormat.RFC4180
            .builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreSurroundingSpaces(true)
            .setIgnoreEmptyLines(true)
            .get();
    List<Entry> entries = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get()) {
      Map<String, String> columns = new HashMap<>();
      for (String name : parser.getHeaderNames()) {
        columns.put(name.trim().toLowerCase(Locale.ROOT), name);
      }
      if (!columns.containsKey("label") || KEYS.stream().noneMatch(columns::containsKey)) {
        throw new BadInputException(
            csv
                + ", row 1: the header needs a 'label' column and one of "
                + KEYS
                + " (optional: patient, site); found "
                + parser.getHeaderNames());
      }
      Set<String> seen = new LinkedHashSet<>();
      for (CSVRecord r : parser) {
        int row = (int) r.getRecordNumber() + 1;
        if (!r.isConsistent()) {
          errors.add(
              csv
                  + ", row "
                  + row
                  + ": has "
                  + r.size()
                  + " fields, the header has "
                  + parser.getHeaderNames().size());
          continue;
        }
        String file = value(r, columns, "file");
        String sop = value(r, columns, "sop_instance_uid");
        String series = value(r, columns, "series_instance_uid");
        String label = value(r, columns, "label");
        if (label == null) {
          errors.add(csv + ", row " + row + ": the 'label' field is empty");
          continue;
        }
        if (file == null && sop == null && series == null) {
          errors.add(
              csv + ", row " + row + ": names no file, SOP Instance UID or Series Instance UID");
          continue;
        }
        String key =
            file != null
                ? "file " + normalise(file)
                : sop != null ? "sop " + sop : "series " + series;
        if (!seen.add(key)) {
          errors.add(csv + ", row " + row + ": " + key + " is listed twice");
          continue;
        }
        entries.add(
            new Entry(
                row,
                file,
                sop == null ? null : pseudonyms.hex("uid", sop),
                series == null ? null : pseudonyms.hex("uid", series),
                label,
                value(r, columns, "patient"),
                value(r, columns, "site")));
      }
    } catch (IOException | IllegalStateException | java.io.UncheckedIOException e) {
      throw new BadInputException(csv + ": cannot read the labels CSV (" + e.getMessage() + ")", e);
    }
    if (!errors.isEmpty()) {
      throw new BadInputException(String.join("\n", errors));
    }
    if (entries.isEmpty()) {
      throw new BadInputException(csv + ": the labels CSV has a header but no rows");
    }
    return new LabelTable(csv, entries);
  }

  private static String value(CSVRecord r, Map<String, String> columns, String column) {
    String name = columns.get(column);
    if (name == null) {
      return null;
    }
    String v = r.get(name).trim();
    return v.isEmpty() ? null : v;
  }

  private static String normalise(String path) {
    return path.replace('\\', '/').replaceAll("^\\./", "");
  }

  /**
   * The row for a unit: by its path below the source, its path as given, its file name (when one
   * row has it), then its SOP Instance UID, then its Series Instance UID; null when none names it.
   */
  Entry match(WorkUnit unit, String sopHash, String seriesHash) {
    Entry e = byFile.get(unit.relative());
    if (e == null) {
      e = byFile.get(normalise(unit.file().toString()));
    }
    if (e == null) {
      List<Entry> named = byName.get(unit.file().getFileName().toString());
      e = named != null && named.size() == 1 ? named.get(0) : null;
    }
    if (e == null && sopHash != null) {
      e = bySop.get(sopHash);
    }
    if (e == null && seriesHash != null) {
      e = bySeries.get(seriesHash);
    }
    if (e != null) {
      matched.add(e.row());
    }
    return e;
  }

  /** Rows that matched no unit, to be reported. */
  List<Refusal> unmatched() {
    List<Refusal> out = new ArrayList<>();
    for (Entry e : entries) {
      if (!matched.contains(e.row())) {
        String what =
            e.file() != null
                ? "file '" + e.file() + "'"
                : e.sopHash() != null ? "its SOP Instance UID" : "its Series Instance UID";
        out.add(new Refusal(csv + ", row " + e.row(), what + " matches no imported file"));
      }
    }
    return out;
  }
}
