package io.labelcurve.activities.importer;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dicom.DicomImage;
import io.labelcurve.activities.frames.Frame;
import io.labelcurve.activities.frames.PngFrames;
import io.labelcurve.activities.image.ImageDecoder;
import io.labelcurve.activities.video.VideoFile;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * Imports one unit: decodes the selected frames, masks them, writes them as PNG under {@code
 * frames/SEQUENCE/}, and records what it wrote in {@code .import/UNIT.csv} (last, atomically), so
 * that a re-run with the same settings on the same unchanged files skips it. The record holds only
 * pseudonyms, never a path or a header value.
 */
final class UnitImporter {
  /**
   * Bumped when the output of an import changes for the same settings, so that old records are
   * redone.
   */
  static final String FORMAT = "labelcurve-import-2";

  private final ImportOptions options;
  private final Pseudonyms pseudonyms;
  private final Path stateDir;

  UnitImporter(ImportOptions options, Pseudonyms pseudonyms) {
    this.options = options;
    this.pseudonyms = pseudonyms;
    this.stateDir = options.out().resolve(".import");
  }

  /**
   * The unit's frames, imported now or found from an earlier run.
   *
   * @throws BadInputException when the unit's files are refused, naming the file
   */
  UnitResult importUnit(WorkUnit unit) {
    String fingerprint = fingerprint(unit);
    Path state = stateDir.resolve(pseudonyms.hex("unit", unit.key()).substring(0, 32) + ".csv");
    UnitResult earlier = readState(state, fingerprint);
    if (earlier != null) {
      return earlier.asResumed();
    }
    UnitResult result =
        switch (unit.kind()) {
          case DICOM -> dicom(unit);
          case VIDEO -> video(unit);
          case IMAGES -> images(unit);
        };
    writeState(state, fingerprint, result);
    return result;
  }

  private UnitResult dicom(WorkUnit unit) {
    DicomImage image = DicomImage.read(unit.file());
    int[] picks = picks(image.frames(), image.framesPerSecond(), unit);
    String uidKey = image.sopInstanceUid().map(uid -> "sop:" + uid).orElse("unit:" + unit.key());
    String sequence = pseudonyms.id("sequence", "s", uidKey);
    List<FrameRow> rows = writeFrames(sequence, picks, image::frame);
    String patient = image.patientId().map(id -> pseudonyms.id("patient", "p", id)).orElse(null);
    List<String> siteParts = image.siteAttributes();
    String site =
        siteParts.stream().allMatch(String::isEmpty)
            ? null
            : pseudonyms.id("site", "site", String.join("\u0000", siteParts));
    return new UnitResult(
        sequence,
        rows,
        patient,
        site,
        image.sopInstanceUid().map(uid -> pseudonyms.hex("uid", uid)).orElse(null),
        image.seriesInstanceUid().map(uid -> pseudonyms.hex("uid", uid)).orElse(null),
        image.frames(),
        image.instanceNumber().orElse(null),
        false);
  }

  private UnitResult video(WorkUnit unit) {
    VideoFile.Info info = VideoFile.probe(unit.file());
    int[] picks =
        options.frames().pick(info.frames(), info.framesPerSecond(), unit.file().toString());
    String sequence = pseudonyms.id("sequence", "s", "unit:" + unit.key());
    Path dir = freshSequenceDir(sequence);
    List<FrameRow> rows = new ArrayList<>();
    VideoFile.decode(
        unit.file(), picks, (index, frame) -> rows.add(write(dir, sequence, index, frame)));
    if (rows.isEmpty()) {
      throw new BadInputException(
          unit.file() + ": zero frames: the video stream decodes to no frame");
    }
    return new UnitResult(sequence, rows, null, null, null, null, info.frames(), null, false);
  }

  private UnitResult images(WorkUnit unit) {
    List<Path> files = unit.files();
    int[] picks = picks(files.size(), OptionalDouble.empty(), unit);
    String sequence = pseudonyms.id("sequence", "s", "unit:" + unit.key());
    List<FrameRow> rows = writeFrames(sequence, picks, index -> readImage(files.get(index)));
    return new UnitResult(sequence, rows, null, null, null, null, files.size(), null, false);
  }

  /** The frames kept of a unit of {@code frames} frames: a single frame is always kept. */
  private int[] picks(int frames, OptionalDouble framesPerSecond, WorkUnit unit) {
    return frames == 1
        ? new int[] {0}
        : options.frames().pick(frames, framesPerSecond, unit.file().toString());
  }

  /**
   * Frames {@code picks} of a sequence, each read by {@code frame}, written into a fresh folder.
   */
  private List<FrameRow> writeFrames(String sequence, int[] picks, IntFunction<Frame> frame) {
    Path dir = freshSequenceDir(sequence);
    List<FrameRow> rows = new ArrayList<>();
    for (int index : picks) {
      rows.add(write(dir, sequence, index, frame.apply(index)));
    }
    return rows;
  }

  /**
   * A PNG or JPEG as 8-bit grey or RGB; the declared size is checked before decoding (decompression
   * bombs).
   */
  static Frame readImage(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      ImageDecoder.checkHeader(bytes, file.toString());
      // In memory: ImageIO's default file cache is closed by its shutdown hook (see ImageDecoder).
      BufferedImage image =
          ImageIO.read(
              new javax.imageio.stream.MemoryCacheImageInputStream(
                  new ByteArrayInputStream(bytes)));
      if (image == null) {
        throw new BadInputException(file + ": not a readable PNG or JPEG");
      }
      int w = image.getWidth();
      int h = image.getHeight();
      if (image.getColorModel().getNumComponents() == 1) {
        Raster raster = image.getRaster();
        int bits = image.getColorModel().getComponentSize(0);
        byte[] grey = new byte[w * h];
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            int v = raster.getSample(x, y, 0);
            grey[y * w + x] = (byte) (bits > 8 ? v >> (bits - 8) : v * 255 / ((1 << bits) - 1));
          }
        }
        return new Frame(w, h, 1, grey);
      }
      byte[] rgb = new byte[w * h * 3];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int argb = image.getRGB(x, y);
          int o = (y * w + x) * 3;
          rgb[o] = (byte) (argb >> 16);
          rgb[o + 1] = (byte) (argb >> 8);
          rgb[o + 2] = (byte) argb;
        }
      }
      return new Frame(w, h, 3, rgb);
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read the image (" + e.getMessage() + ")", e);
    }
  }

  private Path freshSequenceDir(String sequence) {
    Path dir = options.out().resolve("frames").resolve(sequence);
    try {
      if (Files.isDirectory(dir)) { // left by an interrupted run or other settings
        try (Stream<Path> old = Files.list(dir)) {
          for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": cannot prepare the frame folder", e);
    }
  }

  private FrameRow write(Path dir, String sequence, int index, Frame frame) {
    String name = String.format(Locale.ROOT, "%05d.png", index);
    try {
      Files.write(dir.resolve(name), PngFrames.encode(options.mask().apply(frame)));
    } catch (IOException e) {
      throw new UncheckedIOException(dir.resolve(name) + ": cannot write the frame", e);
    }
    return new FrameRow(index, "frames/" + sequence + "/" + name);
  }

  /**
   * The settings and file versions the unit's output depends on (labels and splits are not among
   * them).
   */
  private String fingerprint(WorkUnit unit) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      StringBuilder text =
          new StringBuilder(FORMAT)
              .append('\n')
              .append(options.frames().describe())
              .append('\n')
              .append(options.mask().describe())
              .append('\n');
      for (Path file : unit.files()) {
        text.append(Files.size(file))
            .append(' ')
            .append(Files.getLastModifiedTime(file).toMillis())
            .append('\n');
      }
      return HexFormat.of().formatHex(sha.digest(text.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new BadInputException(
          unit.file() + ": cannot read the file's size and time (" + e.getMessage() + ")", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final String[] STATE_HEADER = {"record", "a", "b", "c", "d", "e", "f", "g", "h"};

  private UnitResult readState(Path state, String fingerprint) {
    if (!Files.isRegularFile(state)) {
      return null;
    }
    CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get();
    try (Reader reader = Files.newBufferedReader(state, StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get()) {
      List<CSVRecord> records = parser.getRecords();
      if (records.isEmpty()
          || !"unit".equals(records.get(0).get(0))
          || !fingerprint.equals(records.get(0).get(1))) {
        return null;
      }
      CSVRecord unit = records.get(0);
      List<FrameRow> frames = new ArrayList<>();
      for (CSVRecord r : records.subList(1, records.size())) {
        FrameRow row = new FrameRow(Integer.parseInt(r.get(1)), r.get(2));
        if (!Files.isRegularFile(options.out().resolve(row.image()))) {
          return null; // a frame went missing since: import again
        }
        frames.add(row);
      }
      String instance = blankToNull(unit.get(8));
      return new UnitResult(
          unit.get(2),
          frames,
          blankToNull(unit.get(3)),
          blankToNull(unit.get(4)),
          blankToNull(unit.get(5)),
          blankToNull(unit.get(6)),
          Integer.parseInt(unit.get(7)),
          instance == null ? null : Integer.valueOf(instance),
          true);
    } catch (IOException | RuntimeException e) {
      return null; // an unreadable record is redone, not trusted
    }
  }

  private void writeState(Path state, String fingerprint, UnitResult result) {
    try {
      Files.createDirectories(stateDir);
      Path tmp = Files.createTempFile(stateDir, "unit", ".tmp");
      try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
          CSVPrinter printer =
              new CSVPrinter(writer, CSVFormat.RFC4180.builder().setHeader(STATE_HEADER).get())) {
        printer.printRecord(
            "unit",
            fingerprint,
            result.sequence(),
            nullToBlank(result.patient()),
            nullToBlank(result.site()),
            nullToBlank(result.sopInstance()),
            nullToBlank(result.seriesInstance()),
            result.sourceFrames(),
            result.instanceNumber() == null ? "" : result.instanceNumber());
        for (FrameRow f : result.frames()) {
          printer.printRecord("frame", f.frame(), f.image(), "", "", "", "", "", "");
        }
      }
      Files.move(tmp, state, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(state + ": cannot record the import", e);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String nullToBlank(String s) {
    return s == null ? "" : s;
  }
}
