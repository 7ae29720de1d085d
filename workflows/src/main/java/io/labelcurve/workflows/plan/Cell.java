package io.labelcurve.workflows.plan;

/**
 * One point of a sweep's grid.
 *
 * @param id deterministic id, unique in its sweep; also names {@code cells/{id}.json} and the
 *     cell's activity id, so re-starting a sweep never duplicates a cell
 * @param model catalog model id
 * @param adaptation {@code linear-probe} or {@code finetune}
 * @param sampling {@code image} or {@code sequence}
 * @param size images (image sampling) or sequences per class (sequence sampling); resolved, never 0
 * @param seed seed of the subset draw
 * @param capPerClass sequence sampling: take all sequences of a class that has fewer than {@code
 *     size}
 */
public record Cell(
    String id,
    String model,
    String adaptation,
    String sampling,
    int size,
    int seed,
    boolean capPerClass) {

  /** The id a cell of these coordinates has; file- and URL-safe. */
  public static String idOf(String model, String adaptation, String sampling, int size, int seed) {
    return model + "." + adaptation + "." + sampling + "-" + size + ".s" + seed;
  }
}
