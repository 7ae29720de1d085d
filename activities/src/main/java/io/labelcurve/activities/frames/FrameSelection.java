package io.labelcurve.activities.frames;

import io.labelcurve.activities.BadInputException;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.TreeSet;

/**
 * Which frames of a sequence are kept: {@code all}, {@code every:K} (frames 0, K, 2K, …), {@code
 * even:N} (N evenly spaced from first to last, all when the sequence is shorter; the paper's test
 * sequences are 5 frames) or {@code fps:F} (F frames per second of the sequence's own frame rate).
 */
public record FrameSelection(Kind kind, double value) {
  /** The rule. */
  public enum Kind {
    ALL,
    EVERY,
    EVEN,
    FPS
  }

  /** Every frame. */
  public static final FrameSelection ALL = new FrameSelection(Kind.ALL, 0);

  /** Parses {@code all}, {@code every:K}, {@code even:N} or {@code fps:F}. */
  public static FrameSelection parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("all")) {
      return ALL;
    }
    int colon = t.indexOf(':');
    String usage = "--frames " + text + ": use all, every:K, even:N or fps:F";
    if (colon < 0) {
      throw new IllegalArgumentException(usage);
    }
    String name = t.substring(0, colon);
    double v;
    try {
      v = Double.parseDouble(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(usage);
    }
    Kind kind =
        switch (name) {
          case "every" -> Kind.EVERY;
          case "even" -> Kind.EVEN;
          case "fps" -> Kind.FPS;
          default -> throw new IllegalArgumentException(usage);
        };
    if (v <= 0 || (kind != Kind.FPS && v != Math.rint(v))) {
      throw new IllegalArgumentException(
          usage + " (K and N are positive integers, F a positive number)");
    }
    return new FrameSelection(kind, v);
  }

  /**
   * The kept frame indices, ascending.
   *
   * @param frames the sequence's frame count
   * @param framesPerSecond its frame rate, when known (needed by {@code fps:F} only)
   * @param file names the sequence in the error when the rate is needed but unknown
   */
  public int[] pick(int frames, OptionalDouble framesPerSecond, String file) {
    return switch (kind) {
      case ALL -> range(frames, 1);
      case EVERY -> range(frames, (int) value);
      case EVEN -> even(frames, (int) value);
      case FPS -> {
        if (framesPerSecond.isEmpty()) {
          throw new BadInputException(
              file
                  + ": --frames fps:"
                  + format()
                  + " needs a frame rate, and the file "
                  + "declares none; use all, every:K or even:N for it");
        }
        double step = framesPerSecond.getAsDouble() / value;
        if (step <= 1) {
          yield range(frames, 1);
        }
        TreeSet<Integer> picked = new TreeSet<>();
        for (int k = 0; k * step < frames; k++) {
          picked.add((int) Math.floor(k * step + 1e-9));
        }
        yield picked.stream().mapToInt(Integer::intValue).toArray();
      }
    };
  }

  private static int[] range(int frames, int step) {
    int[] out = new int[(frames + step - 1) / step];
    for (int i = 0; i < out.length; i++) {
      out[i] = i * step;
    }
    return out;
  }

  private static int[] even(int frames, int n) {
    if (frames <= n) {
      return range(frames, 1);
    }
    if (n == 1) {
      return new int[] {(frames - 1) / 2};
    }
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = (int) Math.round((double) i * (frames - 1) / (n - 1));
    }
    return out;
  }

  private String format() {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  /** The rule as the user writes it; part of the import's settings. */
  public String describe() {
    return kind == Kind.ALL ? "all" : kind.name().toLowerCase(Locale.ROOT) + ":" + format();
  }
}
