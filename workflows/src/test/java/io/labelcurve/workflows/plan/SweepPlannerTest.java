package io.labelcurve.workflows.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SweepPlannerTest {
  static final DatasetSummary DATASET = new DatasetSummary("s3://b/d/manifest.csv", "d1",
      List.of("a", "b", "c"), "train", 100, 500, Map.of("a", 5, "b", 2, "c", 9),
      Map.of("T1", 30));

  static SweepSpec spec(List<SamplingSpec> samplings) {
    return new SweepSpec("x", "s3://b/d/manifest.csv", "train", List.of("T1"), List.of("m"),
        List.of("linear-probe"), samplings, 2, "cpu-small", 4);
  }

  @Test
  void plansTheGridInAStableOrderWithDeterministicIds() {
    List<Cell> cells = SweepPlanner.plan(spec(List.of(new SamplingSpec("image", List.of(64, 16), false))), DATASET);
    assertEquals(List.of("m.linear-probe.image-16.s0", "m.linear-probe.image-16.s1",
        "m.linear-probe.image-64.s0", "m.linear-probe.image-64.s1"),
        cells.stream().map(Cell::id).toList());
  }

  @Test
  void sizeZeroMeansTheWholePoolAndDuplicatesArePlannedOnce() {
    List<Cell> cells = SweepPlanner.plan(
        spec(List.of(new SamplingSpec("image", List.of(500, 0), false),
            new SamplingSpec("sequence", List.of(0), false))), DATASET);
    assertEquals(List.of(500, 500, 2, 2), cells.stream().map(Cell::size).toList());
  }

  @Test
  void tooManySequencesPerClassNamesTheFieldAndTheShortClasses() {
    List<SpecProblem> problems = SweepPlanner.checkAgainst(
        spec(List.of(new SamplingSpec("sequence", List.of(1, 4), false))), DATASET);
    assertEquals(1, problems.size());
    assertEquals("samplings[0].sizes[1]", problems.get(0).field());
    assertTrue(problems.get(0).message().contains("b has 2"), problems.get(0).message());
    assertTrue(SweepPlanner.checkAgainst(
        spec(List.of(new SamplingSpec("sequence", List.of(4), true))), DATASET).isEmpty(),
        "an explicit cap accepts it");
  }

  @Test
  void shapeProblemsNameTheirFields() {
    SweepSpec bad = new SweepSpec("bad id!", "", "train", List.of("train"), List.of(),
        List.of("finetuned"), List.of(new SamplingSpec("random", List.of(-1), false)), 0, "p", 0);
    List<String> fields = SweepPlanner.checkShape(bad).stream().map(SpecProblem::field).toList();
    assertEquals(List.of("id", "dataset", "test_splits[0]", "models", "adaptations[0]",
        "samplings[0].scheme", "samplings[0].sizes[0]", "seeds", "max_cells_in_flight"), fields);
  }

  @Test
  void aMissingTestSplitIsNamed() {
    SweepSpec s = new SweepSpec("x", "u", "train", List.of("T1", "T9"), List.of("m"),
        List.of("linear-probe"), List.of(new SamplingSpec("image", List.of(8), false)), 1, "p", 1);
    List<SpecProblem> problems = SweepPlanner.checkAgainst(s, DATASET);
    assertEquals("test_splits[1]", problems.get(0).field());
  }
}
