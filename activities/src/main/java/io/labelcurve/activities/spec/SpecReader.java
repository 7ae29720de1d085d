package io.labelcurve.activities.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.JsonFields;
import io.labelcurve.workflows.spec.AugmentationSpec;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a sweep spec from YAML through {@link JsonFields}. Every problem names the file and the
 * field, all of them in one message:
 *
 * <pre>
 * id: echo-probe                 # sweep id (the CLI's --id overrides it)
 * dataset: data/manifest.csv     # a local manifest (uploaded at start) or s3://bucket/…/manifest.csv
 * train_split: train
 * test_splits: [T1, T2]
 * models: [mobilenetv2-imagenet, random-resnet18]
 * adaptations: [linear-probe]
 * sampling:
 *   image: {sizes: [16, 64, 256, 0]}            # images, 0 = the whole pool
 *   sequence: {per_class: [1, 2, 4], cap_per_class: false}
 * seeds: 3
 * seeds_per: {linear-probe/sequence: 20}   # optional, per adaptation/sampling
 * baseline: resnet50-scratch     # optional: finetuned at every size/sampling/seed of the grid
 * full_pool_finetune: [resnet50-scratch]    # optional: finetuned on the whole pool (Table 3)
 * finetune_epochs: {sequence/1: 5}          # optional: epochs instead of the rule
 * preset: cpu-small              # or paper
 * max_cells_in_flight: 4
 * vote_frames: 5                 # optional: frames per test sequence that vote; default all
 * augmentation:                  # optional: the variants' magnitudes, or "none"; default below
 *   tilt_degrees: [3, 8]         #   v1/v2 tilt one way/the other by a magnitude in this range
 *   narrow_width: [0.85, 0.95]   #   v3's width factor
 *   wide_width: [1.05, 1.15]     #   v4's width factor
 * </pre>
 *
 * <p>A field of {@code augmentation} left out keeps its default; a single number fixes it.
 */
public final class SpecReader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> TOP =
      Set.of(
          "id",
          "dataset",
          "train_split",
          "test_splits",
          "models",
          "adaptations",
          "sampling",
          "seeds",
          "seeds_per",
          "preset",
          "max_cells_in_flight",
          "baseline",
          "full_pool_finetune",
          "finetune_epochs",
          "augmentation",
          "vote_frames");
  private static final Set<String> AUGMENTATION =
      Set.of("tilt_degrees", "narrow_width", "wide_width");

  private SpecReader() {}

  public static SweepSpec read(Path file) {
    try {
      return parse(file.toString(), Files.readString(file));
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read the spec: " + e.getMessage(), e);
    }
  }

  /** Parses YAML text; {@code where} names the source in messages. */
  public static SweepSpec parse(String where, String yaml) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new BadInputException(
          where
              + ": not valid YAML: "
              + e.getOriginalMessage()
              + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
    }
    if (root == null || !root.isObject()) {
      throw new BadInputException(
          where + ": a spec is a YAML mapping of fields such as id, dataset, models");
    }
    JsonFields f = JsonFields.of(where, root);
    f.onlyKnown(TOP);
    String id = f.text("id", "sweep");
    String dataset = f.text("dataset");
    String train = f.text("train_split", "train");
    List<String> tests = f.strings("test_splits");
    List<String> models = f.strings("models");
    List<String> adaptations =
        f.has("adaptations") ? f.strings("adaptations") : List.of("linear-probe");
    List<SamplingSpec> samplings = samplings(f);
    int seeds = f.integer("seeds", 1, Integer.MIN_VALUE);
    String preset = f.text("preset", "cpu-small");
    int window = f.integer("max_cells_in_flight", 4, Integer.MIN_VALUE);
    // seeds_per: {"linear-probe/sequence": 20}; pairs not named use seeds.
    Map<String, Integer> seedsPer =
        f.integerMap("seeds_per", "adaptation/sampling to seeds, e.g. linear-probe/sequence: 20");
    String baseline = f.has("baseline") ? f.text("baseline") : null;
    List<String> fullPool =
        f.has("full_pool_finetune") ? f.strings("full_pool_finetune") : List.of();
    Map<String, Integer> epochs =
        f.integerMap("finetune_epochs", "sampling/size to epochs, e.g. sequence/1: 5");
    AugmentationSpec augmentation = augmentation(f);
    Integer voteFrames = voteFrames(f);
    f.throwIfAny();
    return new SweepSpec(
        id,
        dataset,
        train,
        tests,
        models,
        adaptations,
        samplings,
        seeds,
        preset,
        window,
        seedsPer,
        baseline,
        fullPool,
        epochs,
        augmentation,
        voteFrames);
  }

  /** {@code sampling: {image: {sizes: [...]}, sequence: {per_class: [...]}}}. */
  private static List<SamplingSpec> samplings(JsonFields root) {
    List<SamplingSpec> samplings = new ArrayList<>();
    JsonNode node = root.get("sampling");
    if (node == null || !node.isObject()) {
      root.problem(
          "sampling", "missing; give image: {sizes: [...]} and/or sequence: {per_class: [...]}");
      return samplings;
    }
    JsonFields sampling = root.object("sampling");
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String scheme = it.next();
      if (!SamplingSpec.IMAGE.equals(scheme) && !SamplingSpec.SEQUENCE.equals(scheme)) {
        sampling.problem(scheme, "unknown sampling scheme; use image or sequence");
        continue;
      }
      JsonFields s = sampling.object(scheme);
      List<Integer> sizes =
          s.integers(SamplingSpec.SEQUENCE.equals(scheme) ? "per_class" : "sizes");
      boolean cap = s.has("cap_per_class") && s.get("cap_per_class").asBoolean(false);
      samplings.add(new SamplingSpec(scheme, sizes, cap));
    }
    return samplings;
  }

  /** {@code vote_frames}: a positive integer, or {@code all} (null: every frame votes). */
  private static Integer voteFrames(JsonFields root) {
    JsonNode vote = root.get("vote_frames");
    if (vote == null || (vote.isTextual() && vote.asText().equals("all"))) {
      return null;
    }
    if (!vote.isIntegralNumber() || !vote.canConvertToInt() || vote.intValue() < 1) {
      root.problem(
          "vote_frames",
          "'"
              + vote.asText()
              + "' is not a positive integer; give the"
              + " frames per test sequence that vote (the paper: 5), or 'all'");
      return null;
    }
    return vote.intValue();
  }

  /** {@code none}, or a mapping of ranges; null (the default) when absent. */
  private static AugmentationSpec augmentation(JsonFields root) {
    JsonNode n = root.get("augmentation");
    if (n == null) {
      return null;
    }
    if (n.isTextual()) {
      if (n.asText().equals("none")) {
        return AugmentationSpec.NONE;
      }
      if (n.asText().equals("default")) {
        return null;
      }
      root.problem(
          "augmentation",
          "'"
              + n.asText()
              + "' is not 'none' or 'default'; or give"
              + " tilt_degrees, narrow_width and wide_width as [min, max]");
      return null;
    }
    if (!n.isObject()) {
      root.problem(
          "augmentation",
          "give 'none', or a mapping of tilt_degrees, narrow_width and"
              + " wide_width to [min, max]");
      return null;
    }
    JsonFields fields = root.object("augmentation");
    fields.onlyKnown(AUGMENTATION);
    AugmentationSpec d = AugmentationSpec.DEFAULT;
    AugmentationSpec a =
        new AugmentationSpec(
            true,
            range(fields, "tilt_degrees", d.tiltDegrees()),
            range(fields, "narrow_width", d.narrowWidth()),
            range(fields, "wide_width", d.wideWidth()));
    a.problems("augmentation").forEach(p -> root.problem(p.field(), p.message()));
    return a;
  }

  private static AugmentationSpec.Range range(
      JsonFields augmentation, String field, AugmentationSpec.Range fallback) {
    JsonNode n = augmentation.get(field);
    if (n == null) {
      return fallback;
    }
    if (n.isNumber()) {
      return new AugmentationSpec.Range(n.doubleValue(), n.doubleValue());
    }
    if (!n.isArray() || n.size() != 2 || !n.get(0).isNumber() || !n.get(1).isNumber()) {
      augmentation.problem(field, "give [min, max] (two numbers) or one number, got " + n);
      return fallback;
    }
    return new AugmentationSpec.Range(n.get(0).doubleValue(), n.get(1).doubleValue());
  }
}
