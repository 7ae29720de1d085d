package io.labelcurve.activities.sampling;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.Shuffle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The paper's sequence sampling: balanced, k sequences of every class with all their frames and
 * variants. For each class a seeded permutation of its training sequences is fixed once; {@code
 * subset(k)} takes the first k of each, so subsets are nested in k.
 */
public final class SequenceSampler {
  private final TrainingPool pool;

  /** Per class index: its sequences in permuted order. */
  private final List<List<String>> order;

  /** Per class index: sequence -> pool indices. */
  private final List<Map<String, List<Integer>>> members;

  private SequenceSampler(
      TrainingPool pool, List<List<String>> order, List<Map<String, List<Integer>>> members) {
    this.pool = pool;
    this.order = order;
    this.members = members;
  }

  /**
   * One {@link SplittableRandom} split per class, in class order, so each class's draw is its own.
   */
  public static SequenceSampler nested(TrainingPool pool, long seed) {
    int classes = pool.classes().size();
    List<Map<String, List<Integer>>> members = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      members.add(
          new TreeMap<>()); // sorted sequences: the permutation starts from a canonical order
    }
    for (int i = 0; i < pool.size(); i++) {
      PoolEntry e = pool.get(i);
      members.get(e.classIndex()).computeIfAbsent(e.sequence(), s -> new ArrayList<>()).add(i);
    }
    SplittableRandom root = new SplittableRandom(seed);
    List<List<String>> order = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      SplittableRandom random = root.split();
      List<String> seqs = new ArrayList<>(members.get(c).keySet());
      Shuffle.inPlace(seqs, random);
      order.add(List.copyOf(seqs));
    }
    return new SequenceSampler(pool, List.copyOf(order), members);
  }

  /** Training sequences per class name, in class order. */
  public Map<String, Integer> sequencesPerClass() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (int c = 0; c < order.size(); c++) {
      out.put(pool.classes().get(c), order.get(c).size());
    }
    return out;
  }

  /** The largest k every class can give in full. */
  public int maxBalancedK() {
    return order.stream().mapToInt(List::size).min().orElse(0);
  }

  /**
   * The sequences chosen for k, per class name.
   *
   * @param capPerClass take all a class has when it has fewer than k; otherwise refuse
   * @throws BadInputException when a class has fewer than k sequences and {@code capPerClass} is
   *     false
   */
  public Map<String, List<String>> sequences(int k, boolean capPerClass) {
    if (k < 1) {
      throw new BadInputException("sequence sampling needs k >= 1 sequences per class, got " + k);
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (int c = 0; c < order.size(); c++) {
      List<String> seqs = order.get(c);
      String name = pool.classes().get(c);
      if (seqs.size() < k && !capPerClass) {
        throw new BadInputException(
            "sequence sampling asks for "
                + k
                + " sequences per class but class '"
                + name
                + "' has "
                + seqs.size()
                + " in training; use k <= "
                + maxBalancedK()
                + " or allow capping per class");
      }
      out.put(name, seqs.subList(0, Math.min(k, seqs.size())));
    }
    return out;
  }

  /** All frames and variants of the first k sequences of every class. */
  public Subset subset(int k, boolean capPerClass) {
    Map<String, List<String>> chosen = sequences(k, capPerClass);
    List<Integer> indices = new ArrayList<>();
    int c = 0;
    for (List<String> seqs : chosen.values()) {
      for (String s : seqs) {
        indices.addAll(members.get(c).get(s));
      }
      c++;
    }
    return pool.subset(indices.stream().mapToInt(Integer::intValue).toArray());
  }
}
