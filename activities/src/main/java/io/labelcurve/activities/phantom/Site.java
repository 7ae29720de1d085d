package io.labelcurve.activities.phantom;

import java.util.List;

/**
 * How one acquisition site (hospital, scanner, preset) images: the scan sector's shape and the
 * signal chain. Training uses sites A–C; T1 comes from D (a domain shift: wider sector, harder
 * gain, finer speckle, more contrast) and T2 from E (deeper, noisier, duller).
 *
 * @param name the manifest's {@code site}
 * @param halfAngleDeg half the sector's opening angle
 * @param depth the sector's radius in pixels
 * @param apexY the apex row (may be above the image)
 * @param gain overall gain
 * @param attenuation depth attenuation per pixel (after time-gain compensation)
 * @param speckleLength lateral correlation of the speckle, in pixels (odd)
 * @param compression log-compression strength (higher: more contrast in the dark)
 * @param noise additive electronic noise level
 * @param tickSpacing distance between the depth-scale dots on the sector's right edge
 * @param markerLeft whether the orientation marker is drawn on the left of the sector
 */
record Site(
    String name,
    double halfAngleDeg,
    double depth,
    double apexY,
    double gain,
    double attenuation,
    int speckleLength,
    double compression,
    double noise,
    int tickSpacing,
    boolean markerLeft) {

  static final Site A = new Site("site-A", 38, 236, 6, 1.00, 0.0032, 3, 30, 0.015, 25, false);
  static final Site B = new Site("site-B", 42, 226, 3, 1.08, 0.0042, 3, 38, 0.020, 20, false);
  static final Site C = new Site("site-C", 35, 242, 9, 0.93, 0.0028, 5, 26, 0.012, 30, true);
  static final Site D = new Site("site-D", 45, 214, 0, 1.12, 0.0050, 1, 45, 0.025, 22, true);
  static final Site E = new Site("site-E", 40, 248, 12, 0.82, 0.0062, 5, 20, 0.045, 35, false);

  static final List<Site> TRAINING = List.of(A, B, C);
  static final List<Site> ALL = List.of(A, B, C, D, E);
}
