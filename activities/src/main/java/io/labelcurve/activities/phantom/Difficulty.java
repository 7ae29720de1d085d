package io.labelcurve.activities.phantom;

/** What makes a T2 sequence hard, as in the paper's second test set. */
enum Difficulty {
  /** Dilated ventricles with thin walls and weak contraction (e.g. dilated cardiomyopathy). */
  DILATED,
  /** Thick walls and small cavities (hypertrophy). */
  HYPERTROPHIC,
  /** Noise, signal dropout and a shadow across the sector. */
  POOR_QUALITY,
  /**
   * The plane cuts the heart at an unusual angle: strong rotation, displaced and foreshortened
   * chambers.
   */
  OFF_AXIS
}
