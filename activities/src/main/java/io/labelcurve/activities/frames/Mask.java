package io.labelcurve.activities.frames;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Blanks (sets to 0) pixel regions that may hold burned-in text: rectangles to blank, and
 * optionally a sector (the ultrasound fan) outside which everything is blanked. Burned-in
 * annotations are the user's responsibility: labelcurve cannot know where a vendor writes a name;
 * this only applies what the user says.
 *
 * @param blanked rectangles set to 0
 * @param keptSector when not null, everything outside it is set to 0
 */
public record Mask(List<Rect> blanked, Sector keptSector) {
  /** No masking. */
  public static final Mask NONE = new Mask(List.of(), null);

  public Mask {
    blanked = List.copyOf(blanked);
  }

  /** A rectangle in pixels: left, top, width, height. */
  public record Rect(int x, int y, int width, int height) {
    /** Parses {@code x,y,w,h}. */
    public static Rect parse(String text) {
      int[] v = ints(text, 4, "--blank x,y,width,height");
      if (v[2] <= 0 || v[3] <= 0) {
        throw new IllegalArgumentException(
            "--blank " + text + ": width and height must be positive");
      }
      return new Rect(v[0], v[1], v[2], v[3]);
    }
  }

  /**
   * A circular sector: apex, radius and the angles it spans, in degrees clockwise from straight
   * down (the image's +y), so that a fan pointing down from its apex is {@code -45,45}.
   */
  public record Sector(int apexX, int apexY, int radius, double fromDegrees, double toDegrees) {
    /** Parses {@code apexX,apexY,radius,fromDeg,toDeg}. */
    public static Sector parse(String text) {
      String[] parts = text.split(",");
      if (parts.length != 5) {
        throw new IllegalArgumentException(
            "--sector " + text + ": give apexX,apexY,radius,fromDeg,toDeg");
      }
      try {
        Sector s =
            new Sector(
                Integer.parseInt(parts[0].trim()),
                Integer.parseInt(parts[1].trim()),
                Integer.parseInt(parts[2].trim()),
                Double.parseDouble(parts[3].trim()),
                Double.parseDouble(parts[4].trim()));
        if (s.radius <= 0 || s.toDegrees <= s.fromDegrees) {
          throw new IllegalArgumentException(
              "--sector " + text + ": radius > 0 and fromDeg < toDeg");
        }
        return s;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--sector " + text + ": " + e.getMessage());
      }
    }

    boolean contains(int x, int y) {
      double dx = x - apexX;
      double dy = y - apexY;
      if (dx * dx + dy * dy > (double) radius * radius) {
        return false;
      }
      double angle =
          Math.toDegrees(Math.atan2(-dx, dy)); // 0 = straight down, positive = clockwise on screen
      return angle >= fromDegrees && angle <= toDegrees;
    }
  }

  /** True when nothing is masked. */
  public boolean isNone() {
    return blanked.isEmpty() && keptSector == null;
  }

  /** The frame with the mask applied (the same frame when there is nothing to mask). */
  public Frame apply(Frame frame) {
    if (isNone()) {
      return frame;
    }
    byte[] out = frame.pixels().clone();
    int w = frame.width();
    int c = frame.channels();
    for (int y = 0; y < frame.height(); y++) {
      for (int x = 0; x < w; x++) {
        if (masked(x, y)) {
          java.util.Arrays.fill(out, (y * w + x) * c, (y * w + x + 1) * c, (byte) 0);
        }
      }
    }
    return new Frame(w, frame.height(), c, out);
  }

  private boolean masked(int x, int y) {
    for (Rect r : blanked) {
      if (x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height) {
        return true;
      }
    }
    return keptSector != null && !keptSector.contains(x, y);
  }

  /** A stable description, part of the import's settings (a change re-imports). */
  public String describe() {
    List<String> parts = new ArrayList<>();
    blanked.forEach(
        r ->
            parts.add(
                String.format(Locale.ROOT, "blank %d,%d,%d,%d", r.x, r.y, r.width, r.height)));
    if (keptSector != null) {
      parts.add(
          String.format(
              Locale.ROOT,
              "sector %d,%d,%d,%s,%s",
              keptSector.apexX,
              keptSector.apexY,
              keptSector.radius,
              keptSector.fromDegrees,
              keptSector.toDegrees));
    }
    return parts.isEmpty() ? "none" : String.join("; ", parts);
  }

  private static int[] ints(String text, int n, String usage) {
    String[] parts = text.split(",");
    if (parts.length != n) {
      throw new IllegalArgumentException(text + ": give " + usage);
    }
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      try {
        v[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(text + ": give " + usage + " in whole pixels");
      }
    }
    return v;
  }
}
