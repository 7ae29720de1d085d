package io.labelcurve.activities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every bad field of a document, named by its path, in one message that names the file. */
class JsonFieldsTest {
  private static JsonNode json(String text) throws Exception {
    return new ObjectMapper().readTree(text);
  }

  @Test
  void listsEveryProblemWithItsPathInOneMessage() throws Exception {
    JsonFields f =
        JsonFields.of(
            "m/model.json",
            json(
                "{\"id\": \"m\", \"sizes\": [1, \"x\", 3], \"input\": {\"size\": -1, \"crop\": 2},"
                    + " \"tags\": {\"a\": 1, \"b\": 1.5}, \"typo\": 0}"));
    f.onlyKnown(Set.of("id", "sizes", "input", "tags", "dim"));
    assertEquals("m", f.text("id"));
    assertEquals(List.of(1, 3), f.integers("sizes"));
    JsonFields input = f.object("input");
    input.onlyKnown(Set.of("size"));
    assertNull(input.integer("size", 1));
    assertEquals(Map.of("a", 1), f.integerMap("tags", "names to counts"));
    assertNull(f.integer("dim", 1));
    BadInputException e = assertThrows(BadInputException.class, f::throwIfAny);
    assertEquals(
        "m/model.json: typo: unknown field; known fields are [dim, id, input, sizes, tags]\n"
            + "  sizes[1]: 'x' is not an integer\n"
            + "  input.crop: unknown field; known fields are [size]\n"
            + "  input.size: -1 must be at least 1\n"
            + "  tags.b: '1.5' is not an integer\n"
            + "  dim: missing",
        e.getMessage());
  }

  /** A missing object is one problem, not one more for every field read from it. */
  @Test
  void aMissingObjectIsOneProblem() throws Exception {
    JsonFields f = JsonFields.of("spec.yaml", json("{\"input\": 3}"));
    JsonFields input = f.object("input");
    assertNull(input.integer("size", 1));
    assertNull(input.text("name"));
    JsonFields norm = f.object("normalization");
    assertNull(norm.numbers("mean"));
    BadInputException e = assertThrows(BadInputException.class, f::throwIfAny);
    assertEquals(
        "spec.yaml: input: must be an object (a mapping of fields)\n  normalization: missing",
        e.getMessage());
  }

  @Test
  void fallbacksForAbsentOptionalFieldsAndNothingToThrow() throws Exception {
    JsonFields f = JsonFields.of("spec.yaml", json("{\"n\": null, \"one\": 2.5}"));
    assertEquals("d", f.text("n", "d"));
    assertEquals(7, f.integer("n", 7, 0));
    assertNull(f.positiveNumber("absent"));
    assertEquals(2.5, f.numbers("one")[0]);
    assertEquals(List.of("2.5"), f.strings("one"));
    assertFalse(f.anyProblem());
    f.throwIfAny();
  }
}
