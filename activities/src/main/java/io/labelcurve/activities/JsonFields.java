package io.labelcurve.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the fields of a JSON or YAML document (Jackson's tree) and collects what is wrong with
 * them, each problem as {@code field.path: what is wrong}, so that one {@link BadInputException}
 * names the file and every bad field at once ({@link #throwIfAny}). The one validation path of the
 * files a user writes by hand: a model's {@code model.json} and a sweep spec.
 *
 * <p>An accessor that finds a problem records it and returns null (or the fallback); the caller
 * checks what depends on a value only when it has one, and throws at the end.
 */
public final class JsonFields {
  private final String where;
  private final JsonNode node;
  private final String path;
  private final List<String> problems;

  /** An object already refused (missing or not an object): its fields add no more problems. */
  private final boolean refused;

  private JsonFields(
      String where, JsonNode node, String path, List<String> problems, boolean refused) {
    this.where = where;
    this.node = node == null ? MissingNode.getInstance() : node;
    this.path = path;
    this.problems = problems;
    this.refused = refused;
  }

  /**
   * The fields of a document's root.
   *
   * @param where names the document in messages (its path or URI)
   */
  public static JsonFields of(String where, JsonNode root) {
    return new JsonFields(where, root, "", new ArrayList<>(), false);
  }

  /** The full path of a field of this object, for messages: {@code input.size}. */
  public String name(String field) {
    return path + field;
  }

  /** Records a problem of a field of this object. */
  public void problem(String field, String message) {
    if (!refused) {
      problems.add(name(field) + ": " + message);
    }
  }

  /** Whether the field is there and not null. */
  public boolean has(String field) {
    JsonNode v = node.get(field);
    return v != null && !v.isNull();
  }

  /** The field's node, or null when it is absent or null. */
  public JsonNode get(String field) {
    return has(field) ? node.get(field) : null;
  }

  /** Refuses every field not in {@code known}: a typo must not fall back to a default. */
  public void onlyKnown(Set<String> known) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        problem(f, "unknown field; known fields are " + known.stream().sorted().toList());
      }
    }
  }

  /**
   * A required object field; when it is missing or not an object the problem is recorded and the
   * object returned is empty (its own accessors then find nothing, and record nothing more for it).
   */
  public JsonFields object(String field) {
    JsonNode v = get(field);
    if (v == null) {
      problem(field, "missing");
    } else if (!v.isObject()) {
      problem(field, "must be an object (a mapping of fields)");
    }
    boolean ok = v != null && v.isObject();
    return new JsonFields(
        where, ok ? v : MissingNode.getInstance(), name(field) + ".", problems, refused || !ok);
  }

  /** A required single value (string, number or boolean) as text, not blank. */
  public String text(String field) {
    if (!has(field)) {
      problem(field, "missing");
      return null;
    }
    String v = text(field, null);
    if (v != null && v.isBlank()) {
      problem(field, "is empty");
      return null;
    }
    return v;
  }

  /** An optional single value as text; {@code fallback} when it is absent or not a single value. */
  public String text(String field, String fallback) {
    JsonNode v = get(field);
    if (v == null) {
      return fallback;
    }
    if (!v.isValueNode()) {
      problem(field, "must be a single value");
      return fallback;
    }
    return v.asText();
  }

  /** A required list of values as text; a single value is a list of one. */
  public List<String> strings(String field) {
    JsonNode v = get(field);
    if (v == null) {
      problem(field, "missing");
      return List.of();
    }
    if (v.isValueNode()) {
      return List.of(v.asText());
    }
    List<String> out = new ArrayList<>();
    v.forEach(e -> out.add(e.asText()));
    return out;
  }

  /** A required integer of at least {@code min}; null after recording a problem. */
  public Integer integer(String field, int min) {
    if (!has(field)) {
      problem(field, "missing");
      return null;
    }
    return integer(field, null, min);
  }

  /** An optional integer of at least {@code min}; {@code fallback} when absent or wrong. */
  public Integer integer(String field, Integer fallback, int min) {
    JsonNode v = get(field);
    if (v == null) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      problem(field, "'" + v.asText() + "' is not an integer");
      return fallback;
    }
    if (v.intValue() < min) {
      problem(field, v.intValue() + " must be at least " + min);
      return fallback;
    }
    return v.intValue();
  }

  /** A required list of integers, each wrong element named by its index. */
  public List<Integer> integers(String field) {
    JsonNode v = get(field);
    if (v == null) {
      problem(field, "missing");
      return List.of();
    }
    if (!v.isArray()) {
      problem(field, "must be a list of integers");
      return List.of();
    }
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isIntegralNumber() || !e.canConvertToInt()) {
        problem(field + "[" + i + "]", "'" + e.asText() + "' is not an integer");
      } else {
        out.add(e.intValue());
      }
    }
    return out;
  }

  /** An optional map of names to integers, empty when absent; {@code what} says what it maps. */
  public Map<String, Integer> integerMap(String field, String what) {
    Map<String, Integer> out = new TreeMap<>();
    JsonNode v = get(field);
    if (v == null) {
      return out;
    }
    if (!v.isObject()) {
      problem(field, "give a map of " + what);
      return out;
    }
    v.fields()
        .forEachRemaining(
            e -> {
              JsonNode n = e.getValue();
              if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                problem(field + "." + e.getKey(), "'" + n.asText() + "' is not an integer");
              } else {
                out.put(e.getKey(), n.intValue());
              }
            });
    return out;
  }

  /** An optional positive number; null when absent or after recording a problem. */
  public Double positiveNumber(String field) {
    JsonNode v = get(field);
    if (v == null) {
      return null;
    }
    if (!v.isNumber() || !(v.asDouble() > 0)) {
      problem(field, "must be a positive number, got " + v);
      return null;
    }
    return v.asDouble();
  }

  /** A required number or list of numbers; null after recording a problem. */
  public double[] numbers(String field) {
    JsonNode v = get(field);
    if (v == null) {
      problem(field, "missing");
      return null;
    }
    List<JsonNode> items = new ArrayList<>();
    if (v.isArray()) {
      v.forEach(items::add);
    } else {
      items.add(v);
    }
    double[] out = new double[items.size()];
    for (int i = 0; i < out.length; i++) {
      if (!items.get(i).isNumber()) {
        problem(field, "must be a number or a list of numbers, got " + v);
        return null;
      }
      out[i] = items.get(i).asDouble();
    }
    return out;
  }

  /** Whether a problem has been recorded (by this object or any other of the same document). */
  public boolean anyProblem() {
    return !problems.isEmpty();
  }

  /** One exception naming the document and every problem, one per line; nothing when none. */
  public void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new BadInputException(where + ": " + String.join("\n  ", problems));
    }
  }
}
