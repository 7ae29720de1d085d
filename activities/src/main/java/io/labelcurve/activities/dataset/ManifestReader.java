package io.labelcurve.activities.dataset;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.InputFiles;
import io.labelcurve.activities.csv.Csv;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a dataset manifest: UTF-8 CSV (RFC 4180 quoting, CRLF or LF; read by Commons CSV) with a
 * header naming the columns {@code image, label, sequence, split} and optionally {@code frame,
 * patient, site}, in any order; other columns are ignored. Header names are matched without regard
 * to case or surrounding spaces.
 *
 * <p>Everything wrong with the file itself is refused here with a {@link BadInputException} naming
 * the file and row: an empty file, a missing header or column, a row with the wrong number of
 * fields, an empty required field, a non-integer frame, the same image twice, an image path that is
 * absolute or escapes the manifest's folder, a URI. All row errors are collected (the first {@value
 * #MAX_LISTED} are listed) so that a user fixes a file in one pass. What needs more than one row to
 * judge (splits, leakage, classes) or the images themselves is {@link DatasetValidator}'s job.
 */
public final class ManifestReader {
  /** Required columns. */
  public static final List<String> REQUIRED = List.of("image", "label", "sequence", "split");

  /** Optional columns. */
  public static final List<String> OPTIONAL = List.of("frame", "patient", "site");

  /** Errors listed in one exception; the rest are counted. */
  static final int MAX_LISTED = 20;

  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");
  private static final Pattern WINDOWS_DRIVE = Pattern.compile("^[A-Za-z]:[\\\\/].*");
  private static final Pattern VARIANT_SUFFIX = Pattern.compile(".*#v[0-9]+$");

  /** {@link Csv#READ}, and spaces around a field are not part of it (a value is trimmed anyway). */
  private static final CSVFormat FORMAT = Csv.READ.builder().setIgnoreSurroundingSpaces(true).get();

  private ManifestReader() {}

  /** Reads a manifest file; {@code location} in messages is the path as given. */
  public static Manifest read(Path manifest) {
    byte[] bytes =
        InputFiles.readAll(manifest, "no such manifest file", "cannot read the manifest");
    return read(manifest.toString(), bytes);
  }

  /**
   * Parses manifest bytes.
   *
   * @param location names the manifest in messages
   * @param csv the file's bytes, UTF-8 (a byte-order mark is allowed)
   */
  public static Manifest read(String location, byte[] csv) {
    String text = decodeUtf8(location, csv);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<CsvLine> records = parse(location, text);
    if (records.isEmpty()) {
      throw new BadInputException(
          location
              + ": the manifest is empty; it needs a header row (image,label,sequence,split"
              + "[,frame,patient,site]) and one row per image");
    }
    CsvLine header = records.get(0);
    Map<String, Integer> columns = columns(location, header);

    List<String> errors = new ArrayList<>();
    List<ManifestRow> rows = new ArrayList<>();
    Map<String, Integer> firstRowOfImage = new HashMap<>();
    for (int i = 1; i < records.size(); i++) {
      CsvLine rec = records.get(i);
      if (rec.fields().size() == 1 && rec.fields().get(0).isBlank()) {
        continue; // blank line
      }
      ManifestRow row = toRow(location, rec, header.fields().size(), columns, errors);
      if (row == null) {
        continue;
      }
      Integer earlier = firstRowOfImage.putIfAbsent(row.image(), row.rowNumber());
      if (earlier != null) {
        errors.add(
            where(location, row.rowNumber())
                + "image "
                + row.image()
                + " is listed twice, in rows "
                + earlier
                + " and "
                + row.rowNumber()
                + "; list every image once");
        continue;
      }
      rows.add(row);
    }
    if (!errors.isEmpty()) {
      throw failure(location, errors);
    }
    if (rows.isEmpty()) {
      throw new BadInputException(location + ": the manifest has a header but no rows");
    }
    return new Manifest(location, rows);
  }

  /** One exception listing the first {@value #MAX_LISTED} errors and counting the rest. */
  static BadInputException failure(String location, List<String> errors) {
    if (errors.size() == 1) {
      return new BadInputException(errors.get(0));
    }
    StringBuilder sb =
        new StringBuilder(location).append(": ").append(errors.size()).append(" errors");
    for (int i = 0; i < Math.min(MAX_LISTED, errors.size()); i++) {
      sb.append("\n  ").append(errors.get(i));
    }
    if (errors.size() > MAX_LISTED) {
      sb.append("\n  … and ").append(errors.size() - MAX_LISTED).append(" more");
    }
    return new BadInputException(sb.toString());
  }

  private static String where(String location, int row) {
    return location + ", row " + row + ": ";
  }

  private static Map<String, Integer> columns(String location, CsvLine header) {
    Map<String, Integer> columns = new HashMap<>();
    for (int i = 0; i < header.fields().size(); i++) {
      String name = header.fields().get(i).trim().toLowerCase(Locale.ROOT);
      if (name.isEmpty()) {
        continue;
      }
      Integer earlier = columns.putIfAbsent(name, i);
      if (earlier != null && (REQUIRED.contains(name) || OPTIONAL.contains(name))) {
        throw BadInputException.atRow(
            location,
            header.line(),
            "the header names column '"
                + name
                + "' twice (columns "
                + (earlier + 1)
                + " and "
                + (i + 1)
                + ")");
      }
    }
    for (String required : REQUIRED) {
      if (!columns.containsKey(required)) {
        throw BadInputException.atRow(
            location,
            header.line(),
            "the header has no '"
                + required
                + "' column; found "
                + header.fields()
                + "; the manifest needs columns "
                + REQUIRED
                + " and may have "
                + OPTIONAL);
      }
    }
    return columns;
  }

  private static ManifestRow toRow(
      String location,
      CsvLine rec,
      int expectedFields,
      Map<String, Integer> columns,
      List<String> errors) {
    int line = rec.line();
    if (rec.fields().size() != expectedFields) {
      errors.add(
          where(location, line)
              + "has "
              + rec.fields().size()
              + " fields, the header has "
              + expectedFields
              + " (a comma inside a value must be quoted)");
      return null;
    }
    int before = errors.size();
    String image = required(location, rec, columns, "image", errors);
    String label = required(location, rec, columns, "label", errors);
    String sequence = required(location, rec, columns, "sequence", errors);
    String split = required(location, rec, columns, "split", errors);
    Integer frame = null;
    String frameText = optional(rec, columns, "frame");
    if (frameText != null) {
      try {
        frame = Integer.valueOf(frameText);
      } catch (NumberFormatException e) {
        errors.add(where(location, line) + "frame '" + frameText + "' is not an integer");
      }
    }
    String patient = optional(rec, columns, "patient");
    String site = optional(rec, columns, "site");
    if (image != null) {
      image = imagePath(location, line, image, errors);
    }
    if (errors.size() > before) {
      return null;
    }
    return new ManifestRow(line, image, label, sequence, split, frame, patient, site);
  }

  private static String required(
      String location,
      CsvLine rec,
      Map<String, Integer> columns,
      String column,
      List<String> errors) {
    String value = rec.fields().get(columns.get(column)).trim();
    if (value.isEmpty()) {
      errors.add(where(location, rec.line()) + "the '" + column + "' field is empty");
      return null;
    }
    return value;
  }

  private static String optional(CsvLine rec, Map<String, Integer> columns, String column) {
    Integer index = columns.get(column);
    if (index == null) {
      return null;
    }
    String value = rec.fields().get(index).trim();
    return value.isEmpty() ? null : value;
  }

  /**
   * The normalised relative path of an image, or null after recording why it is refused.
   * Normalising ({@code a/./b}, {@code a//b}, {@code a/../b}) makes one image have one id, so
   * duplicates are caught.
   */
  static String imagePath(String location, int line, String image, List<String> errors) {
    String prefix = where(location, line) + "image '" + image + "' ";
    if (image.startsWith("/") || image.startsWith("\\") || WINDOWS_DRIVE.matcher(image).matches()) {
      errors.add(prefix + "is an absolute path; give a path relative to the manifest's folder");
      return null;
    }
    if (SCHEME.matcher(image).matches()) {
      errors.add(
          prefix
              + "is a URI; images must for now be paths relative to the manifest's folder "
              + "(upload the folder with the manifest instead of pointing at other locations)");
      return null;
    }
    if (image.indexOf('\\') >= 0) {
      errors.add(prefix + "contains a backslash; separate folders with '/'");
      return null;
    }
    if (VARIANT_SUFFIX.matcher(image).matches()) {
      errors.add(
          prefix
              + "ends in '#v<number>', which labelcurve reserves for augmented variants; rename the file");
      return null;
    }
    Deque<String> parts = new ArrayDeque<>();
    for (String part : image.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          errors.add(
              prefix
                  + "escapes the manifest's folder through '..'; images must lie in or below it");
          return null;
        }
        parts.removeLast();
      } else {
        parts.addLast(part);
      }
    }
    if (parts.isEmpty()) {
      errors.add(prefix + "names no file");
      return null;
    }
    return String.join("/", parts);
  }

  private static String decodeUtf8(String location, byte[] csv) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(csv))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BadInputException(
          location + ": the manifest is not UTF-8 text; save it as UTF-8 CSV");
    }
  }

  /** One CSV record and the line it starts on (1-based). */
  record CsvLine(int line, List<String> fields) {}

  /**
   * RFC 4180 through Commons CSV: fields separated by commas, records by CRLF or LF; quoted fields
   * may hold both, and "" is a quote; spaces around a field (and around its quotes) are not part of
   * it. Blank lines are records of one empty field (skipped by the caller), so that every record
   * knows the line it starts on.
   */
  static List<CsvLine> parse(String location, String text) {
    int[] lineStarts = lineStarts(text);
    List<CsvLine> records = new ArrayList<>();
    try (CSVParser parser =
        CSVParser.builder().setReader(new StringReader(text)).setFormat(FORMAT).get()) {
      Iterator<CSVRecord> it = parser.iterator();
      while (true) {
        // The line after the last record read: where the next one starts, for a parse error.
        int next = (int) parser.getCurrentLineNumber() + 1;
        CSVRecord r;
        try {
          if (!it.hasNext()) {
            break;
          }
          r = it.next();
        } catch (UncheckedIOException e) {
          throw unparsable(location, next, e.getCause());
        }
        int line = lineOf(lineStarts, r.getCharacterPosition());
        List<String> fields = r.toList();
        if (records.isEmpty() && fields.size() == 1 && fields.get(0).isBlank()) {
          continue; // blank lines before the header
        }
        records.add(new CsvLine(line, fields));
      }
    } catch (IOException e) {
      throw unparsable(location, 1, e);
    }
    return records;
  }

  private static BadInputException unparsable(String location, int line, Throwable e) {
    String why = String.valueOf(e.getMessage());
    return BadInputException.atRow(
        location,
        line,
        why.contains("EOF reached before encapsulated token finished")
            ? "a quoted field is never closed (missing '\"')"
            : "is not valid CSV ("
                + why
                + "); quote a field that holds a comma, quote or line break");
  }

  /** Offsets at which lines start; line i (1-based) starts at {@code starts[i - 1]}. */
  private static int[] lineStarts(String text) {
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        starts.add(i + 1);
      }
    }
    return starts.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int lineOf(int[] lineStarts, long offset) {
    int i = Arrays.binarySearch(lineStarts, (int) offset);
    return i >= 0 ? i + 1 : -i - 1;
  }
}
