package io.labelcurve.activities.phantom;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.csv.Csv;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * Writes a synthetic cardiac-ultrasound view-recognition dataset that behaves like the paper's
 * (§4.2, Table 2): the ten view classes with the paper's class imbalance, training sequences from
 * three sites, T1 from a fourth site (a domain shift) and T2 from a fifth with difficult cases
 * (abnormal anatomy, poor quality, off-axis planes) in the seven classes Table 2 lists for T2.
 * Training sequences cover one cardiac cycle with many frames; test sequences have five frames at
 * intervals of one cycle.
 *
 * <p>Output: {@code manifest.csv} ({@code image,label,sequence,split,frame,patient,site}, one
 * patient per sequence), 256×256 8-bit grey PNGs under {@code train/}, {@code T1/}, {@code T2/},
 * and {@code contact-sheet.png} (one freshly rendered example of every class × site, not frames of
 * the data). The same seed gives the same bytes: every sequence draws from its own {@link
 * SplittableRandom} split off the seed's in a fixed order, so sequences are rendered in parallel.
 */
public final class PhantomGenerator {
  /** Frames per test sequence, as in the paper. */
  public static final int TEST_FRAMES = 5;

  /** Classes of the paper's T2. */
  public static final List<String> T2_CLASSES =
      List.of("2CH", "4CH", "A-5CH", "A-RV", "APLAX", "PLAX", "SUBCOSTAL");

  /** The dataset's size. */
  public enum Scale {
    /** About 190 training frames, 50 T1, 35 T2: for tests (about a second). */
    TINY(28, 6, 6, 10, 7),
    /** About 520 training frames (2,600 with variants), 210 T1, 90 T2: the demo (a few seconds). */
    SMALL(50, 8, 12, 40, 16),
    /** About 10× SMALL; T2 of the paper's 64 sequences. */
    MEDIUM(450, 8, 14, 400, 64),
    /** About 28,000 training frames; T1 and T2 of the paper's sequence counts (1,026 and 64). */
    PAPER_LIKE(1400, 16, 24, 1026, 64);

    final int trainSequences;
    final int minFrames;
    final int maxFrames;
    final int t1Sequences;
    final int t2Sequences;

    Scale(int trainSequences, int minFrames, int maxFrames, int t1Sequences, int t2Sequences) {
      this.trainSequences = trainSequences;
      this.minFrames = minFrames;
      this.maxFrames = maxFrames;
      this.t1Sequences = t1Sequences;
      this.t2Sequences = t2Sequences;
    }
  }

  /**
   * What was written.
   *
   * @param manifest the manifest file
   * @param contactSheet the contact sheet
   * @param images images per split, then per class (splits train, T1, T2; classes sorted)
   * @param sequences sequences per split, then per class
   */
  public record Summary(
      Path manifest,
      Path contactSheet,
      SortedMap<String, SortedMap<String, Integer>> images,
      SortedMap<String, SortedMap<String, Integer>> sequences) {
    /** All images written (originals; variants are made on loading). */
    public int totalImages() {
      return images.values().stream()
          .flatMap(m -> m.values().stream())
          .mapToInt(Integer::intValue)
          .sum();
    }
  }

  /** Table 2's sequences per class: training, T1, T2 (paper-protocol.json). */
  private static final Map<String, int[]> TABLE2 = new LinkedHashMap<>();

  static {
    TABLE2.put("2CH", new int[] {1033, 120, 4});
    TABLE2.put("4CH", new int[] {1433, 176, 19});
    TABLE2.put("A-5CH", new int[] {354, 41, 3});
    TABLE2.put("A-RV", new int[] {347, 92, 2});
    TABLE2.put("APLAX", new int[] {775, 107, 14});
    TABLE2.put("NO-ORGAN", new int[] {305, 76, 0});
    TABLE2.put("P-SAX", new int[] {904, 160, 0});
    TABLE2.put("PLAX", new int[] {844, 183, 21});
    TABLE2.put("SAX-AV", new int[] {828, 70, 0});
    TABLE2.put("SUBCOSTAL", new int[] {171, 1, 1});
  }

  private PhantomGenerator() {}

  /** The ten classes, in the paper's order (also sorted order). */
  public static List<String> classes() {
    return Anatomy.CLASSES;
  }

  /** One sequence to render. */
  private record Spec(
      String split,
      String label,
      String id,
      Site site,
      int frames,
      Set<Difficulty> difficulties,
      SplittableRandom random) {}

  /** One written frame: a manifest row. */
  private record Row(
      String image,
      String label,
      String sequence,
      String split,
      int frame,
      String patient,
      String site) {}

  /**
   * Generates a dataset into {@code outDir} (created if needed; existing files of the same names
   * are overwritten).
   */
  public static Summary generate(Path outDir, long seed, Scale scale) throws IOException {
    Files.createDirectories(outDir);
    List<Spec> specs = plan(seed, scale);
    List<List<Row>> written;
    try {
      written = specs.parallelStream().map(spec -> render(outDir, spec)).toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    List<List<Object>> csv = new ArrayList<>();
    SortedMap<String, SortedMap<String, Integer>> images = new TreeMap<>();
    SortedMap<String, SortedMap<String, Integer>> sequences = new TreeMap<>();
    for (List<Row> rows : written) {
      for (Row r : rows) {
        csv.add(
            List.of(
                r.image(), r.label(), r.sequence(), r.split(), r.frame(), r.patient(), r.site()));
        images.computeIfAbsent(r.split(), s -> new TreeMap<>()).merge(r.label(), 1, Integer::sum);
      }
      Row first = rows.get(0);
      sequences
          .computeIfAbsent(first.split(), s -> new TreeMap<>())
          .merge(first.label(), 1, Integer::sum);
    }
    Path manifest = outDir.resolve("manifest.csv");
    Files.writeString(
        manifest,
        Csv.render(List.of("image", "label", "sequence", "split", "frame", "patient", "site"), csv),
        StandardCharsets.UTF_8);
    Path sheet = outDir.resolve("contact-sheet.png");
    // Its own stream, never drawn from the data's: the sheet shows fresh examples and never shifts
    // the data.
    contactSheet(sheet, new SplittableRandom(seed ^ 0x5EE7_C0DE_5EE7_C0DEL));
    return new Summary(manifest, sheet, unmodifiable(images), unmodifiable(sequences));
  }

  private static SortedMap<String, SortedMap<String, Integer>> unmodifiable(
      SortedMap<String, SortedMap<String, Integer>> m) {
    m.replaceAll((k, v) -> Collections.unmodifiableSortedMap(v));
    return Collections.unmodifiableSortedMap(m);
  }

  /** Every sequence's split, class, site, length and random stream, drawn in a fixed order. */
  private static List<Spec> plan(long seed, Scale scale) {
    SplittableRandom root = new SplittableRandom(seed);
    List<Spec> specs = new ArrayList<>();
    int index = 0;
    int[] totals = new int[3];
    for (int[] t : TABLE2.values()) {
      for (int s = 0; s < 3; s++) {
        totals[s] += t[s];
      }
    }
    String[] splits = {"train", "T1", "T2"};
    int[] wanted = {scale.trainSequences, scale.t1Sequences, scale.t2Sequences};
    for (int s = 0; s < 3; s++) {
      for (Map.Entry<String, int[]> e : TABLE2.entrySet()) {
        String label = e.getKey();
        int paper = e.getValue()[s];
        if (paper == 0) {
          continue; // T2 has only seven classes
        }
        int min = s == 0 ? 2 : 1;
        int n = Math.max(min, (int) Math.round((double) wanted[s] * paper / totals[s]));
        for (int k = 0; k < n; k++) {
          SplittableRandom random = root.split();
          Site site =
              switch (s) {
                case 0 -> Site.TRAINING.get(k % Site.TRAINING.size());
                case 1 -> Site.D;
                default -> Site.E;
              };
          int frames =
              s == 0
                  ? scale.minFrames + random.nextInt(scale.maxFrames - scale.minFrames + 1)
                  : TEST_FRAMES;
          Set<Difficulty> difficulties = EnumSet.noneOf(Difficulty.class);
          if (s == 2) {
            Difficulty[] all = Difficulty.values();
            difficulties.add(all[k % all.length]);
            if (random.nextDouble() < 0.4) {
              difficulties.add(all[random.nextInt(all.length)]);
            }
            if (difficulties.contains(Difficulty.DILATED)
                && difficulties.contains(Difficulty.HYPERTROPHIC)) {
              difficulties.remove(Difficulty.HYPERTROPHIC);
            }
          }
          String id =
              String.format("%s-%05d", splits[s].toLowerCase(java.util.Locale.ROOT), index++);
          specs.add(new Spec(splits[s], label, id, site, frames, difficulties, random));
        }
      }
    }
    return specs;
  }

  private static List<Row> render(Path outDir, Spec spec) {
    SequenceRenderer renderer =
        new SequenceRenderer(spec.label(), spec.site(), spec.difficulties(), spec.random());
    Path dir = outDir.resolve(spec.split()).resolve(spec.id());
    List<Row> rows = new ArrayList<>(spec.frames());
    try {
      Files.createDirectories(dir);
      for (int f = 0; f < spec.frames(); f++) {
        String name = String.format("f%03d.png", f);
        Files.write(dir.resolve(name), png(renderer.frame(f, spec.frames())));
        rows.add(
            new Row(
                spec.split() + "/" + spec.id() + "/" + name,
                spec.label(),
                spec.id(),
                spec.split(),
                f,
                "patient-" + spec.id(),
                spec.site().name()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  /** 8-bit grey PNG of a 256×256 frame. */
  static byte[] png(byte[] grey) throws IOException {
    BufferedImage image =
        new BufferedImage(
            SequenceRenderer.SIZE, SequenceRenderer.SIZE, BufferedImage.TYPE_BYTE_GRAY);
    byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    System.arraycopy(grey, 0, data, 0, grey.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream(40_000);
    javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    // An in-memory stream: ImageIO.write would otherwise cache through a temporary file per image.
    try (javax.imageio.stream.MemoryCacheImageOutputStream stream =
        new javax.imageio.stream.MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      // A low deflate level: speckle hardly compresses, and the top level costs several times the
      // time.
      javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(0.75f);
      writer.write(null, new javax.imageio.IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** One frame of every class at every site (T2's site with its difficulties), labelled. */
  private static void contactSheet(Path file, SplittableRandom random) throws IOException {
    int tile = 160;
    int left = 96;
    int top = 28;
    List<String> classes = classes();
    List<Site> sites = Site.ALL;
    BufferedImage sheet =
        new BufferedImage(
            left + tile * sites.size(), top + tile * classes.size(), BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = sheet.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_OFF);
      g.setColor(new Color(40, 40, 40));
      g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
      for (int s = 0; s < sites.size(); s++) {
        Site site = sites.get(s);
        String role = site.equals(Site.D) ? " (T1)" : site.equals(Site.E) ? " (T2)" : " (train)";
        g.setColor(Color.WHITE);
        g.drawString(site.name() + role, left + s * tile + 6, 18);
      }
      Difficulty[] all = Difficulty.values();
      for (int c = 0; c < classes.size(); c++) {
        String label = classes.get(c);
        g.setColor(Color.WHITE);
        g.drawString(label, 6, top + c * tile + tile / 2);
        for (int s = 0; s < sites.size(); s++) {
          Site site = sites.get(s);
          SplittableRandom r = random.split();
          int x = left + s * tile;
          int y = top + c * tile;
          if (site.equals(Site.E) && !T2_CLASSES.contains(label)) {
            g.setColor(Color.GRAY);
            g.drawString("not in T2", x + 40, y + tile / 2);
            continue;
          }
          Set<Difficulty> d =
              site.equals(Site.E)
                  ? EnumSet.of(all[c % all.length])
                  : EnumSet.noneOf(Difficulty.class);
          byte[] frame = new SequenceRenderer(label, site, d, r).frame(0, 10);
          BufferedImage img =
              new BufferedImage(
                  SequenceRenderer.SIZE, SequenceRenderer.SIZE, BufferedImage.TYPE_BYTE_GRAY);
          System.arraycopy(
              frame,
              0,
              ((DataBufferByte) img.getRaster().getDataBuffer()).getData(),
              0,
              frame.length);
          g.drawImage(img, x + 2, y + 2, tile - 4, tile - 4, null);
          if (site.equals(Site.E)) {
            g.setColor(Color.LIGHT_GRAY);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            g.drawString(
                d.iterator().next().name().toLowerCase(java.util.Locale.ROOT), x + 4, y + tile - 6);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
          }
        }
      }
    } finally {
      g.dispose();
    }
    if (!ImageIO.write(sheet, "png", file.toFile())) {
      throw new BadInputException("no PNG writer in this JVM");
    }
  }
}
