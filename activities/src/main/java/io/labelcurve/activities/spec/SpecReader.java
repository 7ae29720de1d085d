package io.labelcurve.activities.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.labelcurve.activities.BadInputException;
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
 * </pre>
 */
public final class SpecReader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> TOP = Set.of("id", "dataset", "train_split", "test_splits",
      "models", "adaptations", "sampling", "seeds", "seeds_per", "preset", "max_cells_in_flight",
      "baseline", "full_pool_finetune", "finetune_epochs");

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
      throw new BadInputException(where + ": not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
    }
    if (root == null || !root.isObject()) {
      throw new BadInputException(where + ": a spec is a YAML mapping of fields such as id, dataset, models");
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
    List<String> adaptations = root.has("adaptations")
        ? strings(root, "adaptations", problems) : List.of("linear-probe");
    List<SamplingSpec> samplings = new ArrayList<>();
    JsonNode sampling = root.get("sampling");
    if (sampling == null || !sampling.isObject()) {
      problems.add("sampling: missing; give image: {sizes: [...]} and/or sequence: {per_class: [...]}");
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
            problems.add(field + "." + sizesField + "[" + i + "]: '" + list.get(i).asText()
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
        problems.add("seeds_per: give a map of adaptation/sampling to seeds, e.g. linear-probe/sequence: 20");
      } else {
        per.fields().forEachRemaining(e -> {
          if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
            problems.add("seeds_per." + e.getKey() + ": '" + e.getValue().asText() + "' is not an integer");
          } else {
            seedsPer.put(e.getKey(), e.getValue().intValue());
          }
        });
      }
    }
    String baseline = root.has("baseline") ? text(root, "baseline", null, problems) : null;
    List<String> fullPool = root.has("full_pool_finetune")
        ? strings(root, "full_pool_finetune", problems) : List.of();
    java.util.Map<String, Integer> epochs = integerMap(root, "finetune_epochs",
        "sampling/size to epochs, e.g. sequence/1: 5", problems);
    if (!problems.isEmpty()) {
      throw new BadInputException(where + ": " + String.join("\n  ", problems));
    }
    return new SweepSpec(id, dataset, train, tests, models, adaptations, samplings, seeds, preset,
        window, seedsPer, baseline, fullPool, epochs);
  }

  private static java.util.Map<String, Integer> integerMap(JsonNode root, String field,
      String what, List<String> problems) {
    java.util.Map<String, Integer> out = new java.util.TreeMap<>();
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isObject()) {
      problems.add(field + ": give a map of " + what);
      return out;
    }
    node.fields().forEachRemaining(e -> {
      if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber()) {
        problems.add(field + "." + e.getKey() + ": '" + e.getValue().asText() + "' is not an integer");
      } else {
        out.put(e.getKey(), e.getValue().intValue());
      }
    });
    return out;
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
