package io.labelcurve.activities.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.workflows.spec.AugmentationSpec;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads a sweep spec from YAML. Every problem names the file and the field:
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
    List<String> problems = new ArrayList<>();
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!TOP.contains(f)) {
        problems.add(f + ": unknown field; known fields are " + TOP.stream().sorted().toList());
      }
    }
    String id = text(root, "id", "sweep", problems);
    String dataset = text(root, "dataset", null, problems);
    String train = text(root, "train_split", "train", problems);
    List<String> tests = strings(root, "test_splits", problems);
    List<String> models = strings(root, "models", problems);
    List<String> adaptations =
        root.has("adaptations") ? strings(root, "adaptations", problems) : List.of("linear-probe");
    List<SamplingSpec> samplings = new ArrayList<>();
    JsonNode sampling = root.get("sampling");
    if (sampling == null || !sampling.isObject()) {
      problems.add(
          "sampling: missing; give image: {sizes: [...]} and/or sequence: {per_class: [...]}");
    } else {
      for (Iterator<String> it = sampling.fieldNames(); it.hasNext(); ) {
        String scheme = it.next();
        JsonNode s = sampling.get(scheme);
        String field = "sampling." + scheme;
        String sizesField = SamplingSpec.SEQUENCE.equals(scheme) ? "per_class" : "sizes";
        if (!SamplingSpec.IMAGE.equals(scheme) && !SamplingSpec.SEQUENCE.equals(scheme)) {
          problems.add(field + ": unknown sampling scheme; use image or sequence");
          continue;
        }
        if (!s.isObject() || !s.has(sizesField)) {
          problems.add(field + "." + sizesField + ": missing");
          continue;
        }
        List<Integer> sizes = new ArrayList<>();
        JsonNode list = s.get(sizesField);
        if (!list.isArray()) {
          problems.add(field + "." + sizesField + ": must be a list of integers");
          continue;
        }
        for (int i = 0; i < list.size(); i++) {
          if (!list.get(i).canConvertToInt() || !list.get(i).isIntegralNumber()) {
            problems.add(
                field
                    + "."
                    + sizesField
                    + "["
                    + i
                    + "]: '"
                    + list.get(i).asText()
                    + "' is not an integer");
          } else {
            sizes.add(list.get(i).intValue());
          }
        }
        boolean cap = s.path("cap_per_class").asBoolean(false);
        samplings.add(new SamplingSpec(scheme, sizes, cap));
      }
    }
    int seeds = integer(root, "seeds", 1, problems);
    String preset = text(root, "preset", "cpu-small", problems);
    int window = integer(root, "max_cells_in_flight", 4, problems);
    // seeds_per: {"linear-probe/sequence": 20}; pairs not named use seeds.
    java.util.Map<String, Integer> seedsPer = new java.util.TreeMap<>();
    JsonNode per = root.get("seeds_per");
    if (per != null && !per.isNull()) {
      if (!per.isObject()) {
        problems.add(
            "seeds_per: give a map of adaptation/sampling to seeds, e.g. linear-probe/sequence: 20");
      } else {
        per.fields()
            .forEachRemaining(
                e -> {
                  if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
                    problems.add(
                        "seeds_per."
                            + e.getKey()
                            + ": '"
                            + e.getValue().asText()
                            + "' is not an integer");
                  } else {
                    seedsPer.put(e.getKey(), e.getValue().intValue());
                  }
                });
      }
    }
    String baseline = root.has("baseline") ? text(root, "baseline", null, problems) : null;
    List<String> fullPool =
        root.has("full_pool_finetune") ? strings(root, "full_pool_finetune", problems) : List.of();
    java.util.Map<String, Integer> epochs =
        integerMap(
            root, "finetune_epochs", "sampling/size to epochs, e.g. sequence/1: 5", problems);
    AugmentationSpec augmentation = augmentation(root.get("augmentation"), problems);
    Integer voteFrames = null;
    JsonNode vote = root.get("vote_frames");
    if (vote != null && !vote.isNull()) {
      if (vote.isTextual() && vote.asText().equals("all")) {
        voteFrames = null;
      } else if (!vote.isIntegralNumber() || !vote.canConvertToInt() || vote.intValue() < 1) {
        problems.add(
            "vote_frames: '"
                + vote.asText()
                + "' is not a positive integer; give the"
                + " frames per test sequence that vote (the paper: 5), or 'all'");
      } else {
        voteFrames = vote.intValue();
      }
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(where + ": " + String.join("\n  ", problems));
    }
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

  private static java.util.Map<String, Integer> integerMap(
      JsonNode root, String field, String what, List<String> problems) {
    java.util.Map<String, Integer> out = new java.util.TreeMap<>();
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isObject()) {
      problems.add(field + ": give a map of " + what);
      return out;
    }
    node.fields()
        .forEachRemaining(
            e -> {
              if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
                problems.add(
                    field
                        + "."
                        + e.getKey()
                        + ": '"
                        + e.getValue().asText()
                        + "' is not an integer");
              } else {
                out.put(e.getKey(), e.getValue().intValue());
              }
            });
    return out;
  }

  /** {@code none}, or a mapping of ranges; null (the default) when absent. */
  private static AugmentationSpec augmentation(JsonNode n, List<String> problems) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      if (n.asText().equals("none")) {
        return AugmentationSpec.NONE;
      }
      if (n.asText().equals("default")) {
        return null;
      }
      problems.add(
          "augmentation: '"
              + n.asText()
              + "' is not 'none' or 'default'; or give"
              + " tilt_degrees, narrow_width and wide_width as [min, max]");
      return null;
    }
    if (!n.isObject()) {
      problems.add(
          "augmentation: give 'none', or a mapping of tilt_degrees, narrow_width and"
              + " wide_width to [min, max]");
      return null;
    }
    n.fieldNames()
        .forEachRemaining(
            f -> {
              if (!AUGMENTATION.contains(f)) {
                problems.add(
                    "augmentation."
                        + f
                        + ": unknown field; known fields are "
                        + AUGMENTATION.stream().sorted().toList());
              }
            });
    AugmentationSpec d = AugmentationSpec.DEFAULT;
    AugmentationSpec a =
        new AugmentationSpec(
            true,
            range(n, "tilt_degrees", d.tiltDegrees(), problems),
            range(n, "narrow_width", d.narrowWidth(), problems),
            range(n, "wide_width", d.wideWidth(), problems));
    a.problems("augmentation").forEach(p -> problems.add(p.field() + ": " + p.message()));
    return a;
  }

  private static AugmentationSpec.Range range(
      JsonNode parent, String field, AugmentationSpec.Range fallback, List<String> problems) {
    JsonNode n = parent.get(field);
    String name = "augmentation." + field;
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (n.isNumber()) {
      return new AugmentationSpec.Range(n.doubleValue(), n.doubleValue());
    }
    if (!n.isArray() || n.size() != 2 || !n.get(0).isNumber() || !n.get(1).isNumber()) {
      problems.add(name + ": give [min, max] (two numbers) or one number, got " + n);
      return fallback;
    }
    return new AugmentationSpec.Range(n.get(0).doubleValue(), n.get(1).doubleValue());
  }

  private static String text(JsonNode root, String field, String fallback, List<String> problems) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      if (fallback == null) {
        problems.add(field + ": missing");
      }
      return fallback;
    }
    if (!n.isValueNode()) {
      problems.add(field + ": must be a single value");
      return fallback;
    }
    return n.asText();
  }

  private static List<String> strings(JsonNode root, String field, List<String> problems) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      problems.add(field + ": missing");
      return List.of();
    }
    if (n.isValueNode()) {
      return List.of(n.asText());
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      out.add(e.asText());
    }
    return out;
  }

  private static int integer(JsonNode root, String field, int fallback, List<String> problems) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isIntegralNumber()) {
      problems.add(field + ": '" + n.asText() + "' is not an integer");
      return fallback;
    }
    return n.intValue();
  }
}
