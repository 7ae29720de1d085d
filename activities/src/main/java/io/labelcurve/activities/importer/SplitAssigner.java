package io.labelcurve.activities.importer;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.Shuffle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Assigns sequences to splits by patient (a patient's sequences never straddle two splits),
 * stratified by label and seeded. Optionally, whole sites drawn with the seed go to an
 * out-of-distribution test split first (the paper's T2: data from a site the model never trained
 * on); a patient seen at such a site goes there with all of its sequences. Sequences without a
 * patient are their own group.
 *
 * <p>Stratification is greedy: groups in seeded random order, largest first, each to the split
 * whose per-label shortfall against its target fraction that group's labels fill most.
 */
final class SplitAssigner {
  /**
   * A sequence to place.
   *
   * @param patient the patient pseudonym, or null
   * @param site the site pseudonym, or null
   */
  record Sequence(String sequence, String label, String patient, String site) {}

  private SplitAssigner() {}

  /** The split of every sequence. */
  static Map<String, String> assign(
      List<Sequence> sequences,
      Map<String, Double> splits,
      int oodSites,
      String oodSplit,
      long seed) {
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom siteRandom = root.split();
    SplittableRandom groupRandom = root.split();

    Map<String, List<Sequence>> groups =
        new TreeMap<>(); // sorted: the same input gives the same order
    for (Sequence s : sequences) {
      groups
          .computeIfAbsent(
              s.patient() != null ? "p:" + s.patient() : "s:" + s.sequence(),
              k -> new ArrayList<>())
          .add(s);
    }
    Map<String, String> assigned = new HashMap<>();
    Set<String> oodChosen = chooseOodSites(sequences, oodSites, siteRandom);
    List<List<Sequence>> remaining = new ArrayList<>();
    for (List<Sequence> group : groups.values()) {
      if (group.stream().anyMatch(s -> s.site() != null && oodChosen.contains(s.site()))) {
        group.forEach(s -> assigned.put(s.sequence(), oodSplit));
      } else {
        remaining.add(group);
      }
    }
    Shuffle.inPlace(remaining, groupRandom);
    remaining.sort(Comparator.comparingInt(g -> -g.size())); // stable: ties keep the seeded order

    Map<String, Integer> totals = new HashMap<>();
    remaining.forEach(g -> g.forEach(s -> totals.merge(s.label(), 1, Integer::sum)));
    Map<String, Map<String, Integer>> current = new LinkedHashMap<>();
    splits.keySet().forEach(split -> current.put(split, new HashMap<>()));
    for (List<Sequence> group : remaining) {
      Map<String, Integer> counts = new HashMap<>();
      group.forEach(s -> counts.merge(s.label(), 1, Integer::sum));
      String best = null;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (Map.Entry<String, Double> split : splits.entrySet()) {
        double score = 0;
        for (Map.Entry<String, Integer> c : counts.entrySet()) {
          int total = totals.get(c.getKey());
          int have = current.get(split.getKey()).getOrDefault(c.getKey(), 0);
          score += c.getValue() * (split.getValue() * total - have) / total;
        }
        if (score > bestScore + 1e-12) {
          bestScore = score;
          best = split.getKey();
        }
      }
      String chosen = best;
      group.forEach(
          s -> {
            assigned.put(s.sequence(), chosen);
            current.get(chosen).merge(s.label(), 1, Integer::sum);
          });
    }
    return assigned;
  }

  private static Set<String> chooseOodSites(
      List<Sequence> sequences, int oodSites, SplittableRandom random) {
    if (oodSites <= 0) {
      return Set.of();
    }
    List<String> sites =
        new ArrayList<>(
            new TreeSet<>(sequences.stream().map(Sequence::site).filter(s -> s != null).toList()));
    if (oodSites >= sites.size()) {
      throw new BadInputException(
          "--ood-sites "
              + oodSites
              + ": the data has "
              + sites.size()
              + " site"
              + (sites.size() == 1 ? "" : "s")
              + " (from DICOM Manufacturer/Model/Institution or the labels "
              + "CSV's 'site' column); at least one must stay for training");
    }
    Shuffle.inPlace(sites, random);
    return Set.copyOf(sites.subList(0, oodSites));
  }
}
