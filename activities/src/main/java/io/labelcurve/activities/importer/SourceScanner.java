package io.labelcurve.activities.importer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the units to import under the sources: DICOM files (by a {@code DICM} prefix at byte 128,
 * whatever their name), videos and images (by extension). Anything else is refused by name, so that
 * nothing is silently left out; hidden files and DICOMDIR indexes are skipped.
 */
final class SourceScanner {
  static final Set<String> VIDEO = Set.of("mp4", "m4v", "avi", "mov", "mkv", "webm");
  static final Set<String> IMAGE = Set.of("png", "jpg", "jpeg");
  static final Set<String> DICOM = Set.of("dcm", "dicom", "dic");

  /** The units found and the files refused. */
  record Scan(List<WorkUnit> units, List<Refusal> refused) {}

  private SourceScanner() {}

  /**
   * The units under the sources.
   *
   * @param skipped paths never scanned, with what lies below them (the output folder and the key,
   *     which may lie inside a source)
   */
  static Scan scan(List<Path> sources, Pattern sequencePattern, List<Path> skipped) {
    List<Path> skip = skipped.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    List<WorkUnit> units = new ArrayList<>();
    List<Refusal> refused = new ArrayList<>();
    for (Path source : sources) {
      if (!Files.exists(source)) {
        refused.add(new Refusal(source.toString(), "no such file or folder"));
        continue;
      }
      Path root = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
      List<Path> files;
      if (Files.isDirectory(source)) {
        try (Stream<Path> walk = Files.walk(source)) {
          files =
              walk.filter(Files::isRegularFile)
                  .filter(p -> !hidden(source.relativize(p)))
                  .filter(p -> skip.stream().noneMatch(p.toAbsolutePath().normalize()::startsWith))
                  .sorted()
                  .toList();
        } catch (IOException e) {
          throw new UncheckedIOException(source + ": cannot list the folder", e);
        }
      } else {
        files = List.of(source);
      }
      Map<String, List<Path>> imageGroups = new LinkedHashMap<>();
      for (Path file : files) {
        String name = file.getFileName().toString();
        String ext = extension(name);
        String relative =
            Files.isDirectory(source)
                ? source.relativize(file).toString().replace('\\', '/')
                : name;
        String key = source.normalize() + "!" + relative;
        String folderLabel =
            Files.isDirectory(source) && relative.contains("/")
                ? relative.substring(0, relative.indexOf('/'))
                : null;
        if (name.equalsIgnoreCase("DICOMDIR")) {
          continue; // a media index (PS3.10 8.6), not an image
        }
        if (VIDEO.contains(ext)) {
          units.add(
              new WorkUnit(WorkUnit.Kind.VIDEO, key, root, List.of(file), relative, folderLabel));
        } else if (IMAGE.contains(ext)) {
          String group = key;
          if (sequencePattern != null) {
            Matcher m = sequencePattern.matcher(relative);
            if (m.find()) {
              group =
                  source.normalize()
                      + "!"
                      + (folderLabel == null ? "" : folderLabel + "/")
                      + (m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : m.group());
            }
          }
          imageGroups.computeIfAbsent(group, g -> new ArrayList<>()).add(file);
        } else if (DICOM.contains(ext) || hasDicomPrefix(file)) {
          units.add(
              new WorkUnit(WorkUnit.Kind.DICOM, key, root, List.of(file), relative, folderLabel));
        } else {
          refused.add(
              new Refusal(
                  file.toString(),
                  "not DICOM (no 'DICM' at byte 128), not a video ("
                      + String.join(", ", VIDEO.stream().sorted().toList())
                      + ") and not an image ("
                      + String.join(", ", IMAGE.stream().sorted().toList())
                      + ")"));
        }
      }
      imageGroups.forEach(
          (group, members) -> {
            Path first = members.get(0);
            String relative =
                Files.isDirectory(source)
                    ? source.relativize(first).toString().replace('\\', '/')
                    : first.getFileName().toString();
            String folderLabel =
                Files.isDirectory(source) && relative.contains("/")
                    ? relative.substring(0, relative.indexOf('/'))
                    : null;
            units.add(
                new WorkUnit(
                    WorkUnit.Kind.IMAGES,
                    group,
                    root,
                    List.copyOf(members),
                    relative,
                    folderLabel));
          });
    }
    return new Scan(units, refused);
  }

  /** A file or folder whose name starts with a dot, at any depth below the source. */
  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  static String extension(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  /** PS3.10 7.1: "DICM" after a 128-byte preamble. */
  static boolean hasDicomPrefix(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(132);
      return head.length == 132
          && head[128] == 'D'
          && head[129] == 'I'
          && head[130] == 'C'
          && head[131] == 'M';
    } catch (IOException e) {
      return false;
    }
  }
}
