package io.labelcurve.activities.phantom;

import java.util.List;

/**
 * The ten views as arrangements of structures in a heart-centred frame (pixels; x right, y away
 * from the probe). Views differ by which chambers, vessels and valves are cut and where, as real
 * views do; none differs by overall brightness.
 */
final class Anatomy {
  private Anatomy() {}

  enum Role {
    VENTRICLE,
    ATRIUM,
    VESSEL
  }

  /** A blood-filled cavity with a bright wall. */
  record Chamber(
      double cx, double cy, double rx, double ry, double angleDeg, double wall, Role role) {}

  /** A bright straight structure: septum, pericardium, moderator band. */
  record Band(double x1, double y1, double x2, double y2, double width, double intensity) {}

  /**
   * A valve across an annulus from (x1,y1) to (x2,y2); its two leaflets open to the side {@code
   * openSign} (+1: left of the annulus direction). Atrioventricular valves open in diastole,
   * semilunar in systole.
   */
  record Valve(double x1, double y1, double x2, double y2, int openSign, boolean semilunar) {}

  /** A bright blob inside a cavity: papillary muscle. */
  record Blob(double cx, double cy, double r, double intensity) {}

  /**
   * One view.
   *
   * @param centreY depth of the heart centre in the image (pixels from the top)
   * @param rotationDeg the view's own rotation of the layout
   * @param liver whether a liver window lies between probe and heart (subcostal)
   */
  record View(
      String name,
      double centreY,
      double rotationDeg,
      List<Chamber> chambers,
      List<Band> bands,
      List<Valve> valves,
      List<Blob> blobs,
      boolean liver) {}

  static final List<String> CLASSES =
      List.of(
          "2CH",
          "4CH",
          "A-5CH",
          "A-RV",
          "APLAX",
          "NO-ORGAN",
          "P-SAX",
          "PLAX",
          "SAX-AV",
          "SUBCOSTAL");

  private static Chamber v(double cx, double cy, double rx, double ry, double a, double wall) {
    return new Chamber(cx, cy, rx, ry, a, wall, Role.VENTRICLE);
  }

  private static Chamber at(double cx, double cy, double rx, double ry, double a) {
    return new Chamber(cx, cy, rx, ry, a, 3, Role.ATRIUM);
  }

  private static Chamber vessel(double cx, double cy, double rx, double ry, double a) {
    return new Chamber(cx, cy, rx, ry, a, 4, Role.VESSEL);
  }

  private static final List<Chamber> FOUR_CHAMBERS =
      List.of(
          v(24, -22, 24, 48, -8, 8),
          v(-24, -16, 19, 41, 10, 5),
          at(24, 55, 23, 22, 0),
          at(-23, 53, 20, 22, 0));

  /** A view without blobs or liver, not rotated. */
  private static View plain(
      String name, double centreY, List<Chamber> chambers, List<Band> bands, List<Valve> valves) {
    return new View(name, centreY, 0, chambers, bands, valves, List.of(), false);
  }

  static View view(String name) {
    return switch (name) {
      case "4CH" ->
          plain(
              name,
              118,
              FOUR_CHAMBERS,
              List.of(new Band(0, 32, 0, 72, 3, 0.55)),
              List.of(new Valve(4, 31, 44, 31, -1, false), new Valve(-42, 32, -5, 32, -1, false)));
      case "2CH" ->
          plain(
              name,
              118,
              List.of(v(0, -20, 29, 50, 0, 9), at(2, 58, 28, 24, 0), at(-33, 38, 7, 6, 20)),
              List.of(),
              List.of(new Valve(-27, 32, 28, 32, -1, false)));
      case "A-5CH" ->
          plain(
              name,
              118,
              List.of(
                  v(26, -24, 23, 46, -8, 8),
                  v(-25, -18, 18, 39, 10, 5),
                  at(32, 64, 19, 18, 0),
                  at(-28, 62, 17, 18, 0),
                  vessel(2, 40, 10, 23, 18)),
              List.of(),
              List.of(
                  new Valve(14, 27, 46, 29, -1, false),
                  new Valve(-44, 30, -10, 30, -1, false),
                  new Valve(-6, 21, 11, 21, 1, true)));
      case "A-RV" ->
          plain(
              name,
              118,
              List.of(
                  v(-8, -12, 31, 50, 5, 5),
                  v(44, -16, 15, 42, -10, 9),
                  at(-10, 60, 27, 24, 0),
                  at(45, 58, 14, 17, 0)),
              List.of(new Band(-34, -32, 12, -44, 3, 0.7)),
              List.of(new Valve(-38, 35, 20, 35, -1, false)));
      case "APLAX" ->
          plain(
              name,
              118,
              List.of(v(0, -22, 27, 48, 0, 9), at(24, 58, 22, 22, 0), vessel(-24, 50, 11, 27, -25)),
              List.of(),
              List.of(new Valve(2, 30, 40, 30, -1, false), new Valve(-33, 27, -13, 27, -1, true)));
      case "PLAX" ->
          plain(
              name,
              112,
              List.of(
                  new Chamber(-8, -46, 62, 12, 0, 4, Role.VENTRICLE),
                  v(-26, 4, 55, 22, 8, 9),
                  vessel(52, -22, 32, 12, -5),
                  at(54, 23, 24, 20, 0),
                  vessel(40, 56, 7, 7, 0)),
              List.of(new Band(-85, 41, 85, 49, 5, 0.95)),
              List.of(new Valve(28, -3, 32, 20, -1, false), new Valve(21, -31, 21, -13, -1, true)));
      case "P-SAX" ->
          new View(
              name,
              118,
              0,
              List.of(
                  new Chamber(-24, -34, 44, 14, -25, 4, Role.VENTRICLE), v(0, 6, 32, 30, 0, 10)),
              List.of(new Band(-62, 50, 62, 50, 5, 0.9)),
              List.of(),
              List.of(new Blob(-13, 16, 5, 0.75), new Blob(14, 19, 5, 0.75)),
              false);
      case "SAX-AV" ->
          plain(
              name,
              116,
              List.of(
                  vessel(0, 0, 18, 18, 0),
                  at(0, 44, 30, 17, 0),
                  at(-42, 22, 18, 20, 0),
                  new Chamber(-6, -38, 50, 13, 10, 4, Role.VENTRICLE),
                  vessel(48, -12, 12, 22, -20)),
              List.of(),
              List.of(
                  new Valve(0, 0, 0, -17, 1, true),
                  new Valve(0, 0, 15, 9, 1, true),
                  new Valve(0, 0, -15, 9, 1, true)));
      case "SUBCOSTAL" ->
          new View(
              name,
              160,
              -68,
              FOUR_CHAMBERS,
              List.of(new Band(0, 32, 0, 72, 3, 0.55)),
              List.of(new Valve(4, 31, 44, 31, -1, false), new Valve(-42, 32, -5, 32, -1, false)),
              List.of(),
              true);
      case "NO-ORGAN" -> plain(name, 120, List.of(), List.of(), List.of());
      default -> throw new IllegalArgumentException("no phantom view " + name);
    };
  }
}
