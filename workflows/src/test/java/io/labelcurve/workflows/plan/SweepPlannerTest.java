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
  static final DatasetSummary DATASET =
      new DatasetSummary(
          "s3://b/d/manifest.csv",
          "d1",
          List.of("a", "b", "c"),
          "train",
          100,
          500,
          Map.of("a", 5, "b", 2, "c", 9),
          Map.of("T1", 30));

  static SweepSpec spec(List<SamplingSpec> samplings) {
    return new SweepSpec(
        "x",
        "s3://b/d/manifest.csv",
        "train",
        List.of("T1"),
        List.of("m"),
        List.of("linear-probe"),
        samplings,
        2,
        "cpu-small",
        4);
  }

  @Test
  void plansTheGridInAStableOrderWithDeterministicIds() {
    List<Cell> cells =
        SweepPlanner.plan(
            spec(List.of(new SamplingSpec("image", List.of(64, 16), false))), DATASET);
    assertEquals(
        List.of(
            "m.linear-probe.image-16.s0",
            "m.linear-probe.image-16.s1",
            "m.linear-probe.image-64.s0",
            "m.linear-probe.image-64.s1"),
        cells.stream().map(Cell::id).toList());
  }

  @Test
  void sizeZeroMeansTheWholePoolAndDuplicatesArePlannedOnce() {
    List<Cell> cells =
        SweepPlanner.plan(
            spec(
                List.of(
                    new SamplingSpec("image", List.of(500, 0), false),
                    new SamplingSpec("sequence", List.of(0), false))),
            DATASET);
    assertEquals(List.of(500, 500, 2, 2), cells.stream().map(Cell::size).toList());
  }

  @Test
  void tooManySequencesPerClassNamesTheFieldAndTheShortClasses() {
    List<SpecProblem> problems =
        SweepPlanner.checkAgainst(
            spec(List.of(new SamplingSpec("sequence", List.of(1, 4), false))), DATASET);
    assertEquals(1, problems.size());
    assertEquals("samplings[0].sizes[1]", problems.get(0).field());
    assertTrue(problems.get(0).message().contains("b has 2"), problems.get(0).message());
    assertTrue(
        SweepPlanner.checkAgainst(
                spec(List.of(new SamplingSpec("sequence", List.of(4), true))), DATASET)
            .isEmpty(),
        "an explicit cap accepts it");
  }

  @Test
  void shapeProblemsNameTheirFields() {
    SweepSpec bad =
        new SweepSpec(
            "bad id!",
            "",
            "train",
            List.of("train"),
            List.of(),
            List.of("finetuned"),
            List.of(new SamplingSpec("random", List.of(-1), false)),
            0,
            "p",
            0);
    List<String> fields = SweepPlanner.checkShape(bad).stream().map(SpecProblem::field).toList();
    assertEquals(
        List.of(
            "id",
            "dataset",
            "test_splits[0]",
            "models",
            "adaptations[0]",
            "samplings[0].scheme",
            "samplings[0].sizes[0]",
            "seeds",
            "max_cells_in_flight"),
        fields);
  }

  @Test
  void aMissingTestSplitIsNamed() {
    SweepSpec s =
        new SweepSpec(
            "x",
            "u",
            "train",
            List.of("T1", "T9"),
            List.of("m"),
            List.of("linear-probe"),
            List.of(new SamplingSpec("image", List.of(8), false)),
            1,
            "p",
            1);
    List<SpecProblem> problems = SweepPlanner.checkAgainst(s, DATASET);
    assertEquals("test_splits[1]", problems.get(0).field());
  }

  @Test
  void aBaselineIsTrainedAtEveryLinearProbeSizeAndSeedAndTable3CellsUseTheWholePool() {
    List<SamplingSpec> samplings =
        List.of(
            new SamplingSpec("image", List.of(16, 64), false),
            new SamplingSpec("sequence", List.of(1), false));
    SweepSpec grid =
        new SweepSpec(
            "x",
            "s3://b/d/manifest.csv",
            "train",
            List.of("T1"),
            List.of("m"),
            List.of("linear-probe", "finetune"),
            samplings,
            1,
            "paper",
            4,
            Map.of("linear-probe/sequence", 3));
    SweepSpec withBaseline =
        new SweepSpec(
            "x",
            "s3://b/d/manifest.csv",
            "train",
            List.of("T1"),
            List.of("m"),
            List.of("linear-probe", "finetune"),
            samplings,
            1,
            "paper",
            4,
            Map.of("linear-probe/sequence", 3),
            "r",
            List.of("m", "r"),
            Map.of("sequence/1", 5));
    List<Cell> before = SweepPlanner.plan(grid, DATASET);
    List<Cell> after = SweepPlanner.plan(withBaseline, DATASET);
    // The grid's own cells come first and unchanged: the new fields only add cells.
    assertEquals(before, after.subList(0, before.size()));
    assertEquals(
        List.of(
            "m.finetune.image-500.s0",
            "r.finetune.image-16.s0",
            "r.finetune.image-64.s0",
            "r.finetune.sequence-1.s0",
            "r.finetune.sequence-1.s1",
            "r.finetune.sequence-1.s2",
            "r.finetune.image-500.s0"),
        after.subList(before.size(), after.size()).stream().map(Cell::id).toList());
    assertEquals(List.of("m", "r"), withBaseline.allModels());
    assertEquals(5, withBaseline.finetuneEpochsFor("sequence", 1));
    assertEquals(null, withBaseline.finetuneEpochsFor("sequence", 2));
  }

  @Test
  void aBaselineAlsoInTheGridAndAWholePoolSizeAreNotPlannedTwice() {
    SweepSpec spec =
        new SweepSpec(
            "x",
            "s3://b/d/manifest.csv",
            "train",
            List.of("T1"),
            List.of("r"),
            List.of("finetune"),
            List.of(new SamplingSpec("image", List.of(16, 0), false)),
            1,
            "paper",
            4,
            Map.of(),
            "r",
            List.of("r"),
            Map.of());
    assertEquals(
        List.of("r.finetune.image-16.s0", "r.finetune.image-500.s0"),
        SweepPlanner.plan(spec, DATASET).stream().map(Cell::id).toList());
  }

  @Test
  void badEpochKeysAndRepeatedWholePoolModelsAreNamed() {
    SweepSpec bad =
        new SweepSpec(
            "x",
            "s3://b/d/manifest.csv",
            "train",
            List.of("T1"),
            List.of("m"),
            List.of("finetune"),
            List.of(new SamplingSpec("image", List.of(16), false)),
            1,
            "paper",
            4,
            Map.of(),
            "bad id!",
            List.of("m", "m"),
            Map.of("seq/1", 0));
    List<String> fields = SweepPlanner.checkShape(bad).stream().map(SpecProblem::field).toList();
    assertEquals(
        List.of("baseline", "full_pool_finetune", "finetune_epochs.seq/1", "finetune_epochs.seq/1"),
        fields);
  }
}
