package io.labelcurve.activities.svm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.labelcurve.activities.npy.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compares the Java LinearSVC with scikit-learn's on the fixtures written by {@code
 * src/test/python/make_svm_fixture.py}.
 */
class LinearSvcTrainerTest {
  private static Fixture dual;
  private static Fixture primal;

  record Fixture(
      float[][] xTrain,
      int[] yTrain,
      float[][] xTest,
      int[] yTest,
      int[] sklearnPred,
      double sklearnAccuracy) {}

  @BeforeAll
  static void load() throws IOException {
    JsonNode info;
    try (InputStream in = resource("fixture.json")) {
      info = new ObjectMapper().readTree(in);
    }
    dual = fixture("dual", info);
    primal = fixture("primal", info);
  }

  private static InputStream resource(String name) {
    InputStream in = LinearSvcTrainerTest.class.getResourceAsStream("/svm/" + name);
    if (in == null) {
      throw new IllegalStateException("missing test resource svm/" + name);
    }
    return in;
  }

  private static float[][] floats(String name) throws IOException {
    try (InputStream in = resource(name)) {
      return Npy.readFloats(in);
    }
  }

  private static int[] ints(String name) throws IOException {
    try (InputStream in = resource(name)) {
      return Npy.readInts(in);
    }
  }

  private static Fixture fixture(String name, JsonNode info) throws IOException {
    return new Fixture(
        floats(name + "_xtrain.npy"),
        ints(name + "_ytrain.npy"),
        floats(name + "_xtest.npy"),
        ints(name + "_ytest.npy"),
        ints(name + "_sklearn_pred.npy"),
        info.get(name).get("accuracy").asDouble());
  }

  private static double accuracy(int[] pred, int[] y) {
    int ok = 0;
    for (int i = 0; i < y.length; i++) {
      ok += pred[i] == y[i] ? 1 : 0;
    }
    return (double) ok / y.length;
  }

  private static void assertMatchesSklearn(Fixture f, String expectedSolver) {
    LinearSvcModel model = new LinearSvcTrainer().train(f.xTrain(), f.yTrain(), 10);
    assertEquals(expectedSolver, model.solver());
    int[] pred = model.predict(f.xTest());
    double agreement = accuracy(pred, f.sklearnPred());
    double acc = accuracy(pred, f.yTest());
    System.out.printf(
        "%s: agreement %.4f, accuracy %.4f (sklearn %.4f), iterations %s%n",
        expectedSolver,
        agreement,
        acc,
        f.sklearnAccuracy(),
        java.util.Arrays.toString(model.iterations()));
    assertTrue(agreement >= 0.999, "agreement with sklearn " + agreement);
    assertTrue(
        Math.abs(acc - f.sklearnAccuracy()) <= 0.005,
        "accuracy " + acc + " vs sklearn " + f.sklearnAccuracy());
  }

  @Test
  void dualMatchesSklearnAndAutoPicksDual() {
    assertMatchesSklearn(dual, "dual");
  }

  @Test
  void primalMatchesSklearnAndAutoPicksPrimal() {
    assertMatchesSklearn(primal, "primal");
  }

  @Test
  void forcedSolversAgreeWithEachOther() {
    // Both solve the same convex problem; forcing the other solver must give the same predictions
    // (up to the tolerance of either).
    LinearSvcParams base = LinearSvcParams.sklearnDefaults();
    int[] viaDual =
        new LinearSvcTrainer(base.withSolver(LinearSvcParams.Solver.DUAL))
            .train(primal.xTrain(), primal.yTrain(), 10)
            .predict(primal.xTest());
    int[] viaPrimal =
        new LinearSvcTrainer(base.withSolver(LinearSvcParams.Solver.PRIMAL))
            .train(primal.xTrain(), primal.yTrain(), 10)
            .predict(primal.xTest());
    assertTrue(accuracy(viaDual, viaPrimal) >= 0.99);
  }

  @Test
  void deterministicAndIndependentOfThreadCount() {
    LinearSvcParams base = LinearSvcParams.sklearnDefaults();
    LinearSvcModel a =
        new LinearSvcTrainer(base.withThreads(1)).train(dual.xTrain(), dual.yTrain(), 10);
    LinearSvcModel b =
        new LinearSvcTrainer(base.withThreads(2)).train(dual.xTrain(), dual.yTrain(), 10);
    LinearSvcModel c =
        new LinearSvcTrainer(base.withThreads(2)).train(dual.xTrain(), dual.yTrain(), 10);
    assertSameModel(a, b, dual.xTest());
    assertSameModel(a, c, dual.xTest());
  }

  @Test
  void primalRowPassesAreBitIdenticalOnAnyThreadCount() {
    // 3,000 rows in chunks of 97: 31 chunks spread over the threads inside every loss, gradient and
    // Hessian-vector pass, and the ten problems trained at once.
    LinearSvcParams base =
        LinearSvcParams.sklearnDefaults().withSolver(LinearSvcParams.Solver.PRIMAL);
    LinearSvcModel one =
        new LinearSvcTrainer(base.withThreads(1), 97).train(primal.xTrain(), primal.yTrain(), 10);
    for (int threads : new int[] {2, 3, 8}) {
      LinearSvcModel many =
          new LinearSvcTrainer(base.withThreads(threads), 97)
              .train(primal.xTrain(), primal.yTrain(), 10);
      assertSameModel(one, many, primal.xTest());
    }
    // Another chunking sums in another order: close to, but not necessarily equal to, the above.
    LinearSvcModel other =
        new LinearSvcTrainer(base.withThreads(2), 1000).train(primal.xTrain(), primal.yTrain(), 10);
    assertTrue(accuracy(other.predict(primal.xTest()), one.predict(primal.xTest())) >= 0.999);
  }

  @Test
  void rowBlocksTrainTheSameModelAsRows() {
    // d = 64: allocate() puts 1,024 rows in a block, so the 3,000 rows span three blocks.
    RowBlocks blocks = RowBlocks.allocate(primal.xTrain().length, primal.xTrain()[0].length);
    for (int i = 0; i < blocks.rows(); i++) {
      blocks.setRow(i, primal.xTrain()[i]);
    }
    assertArrayEquals(primal.xTrain()[2999], blocks.row(2999));
    assertEquals(primal.xTrain()[1024][5], blocks.get(1024, 5));
    LinearSvcTrainer trainer =
        new LinearSvcTrainer(LinearSvcParams.sklearnDefaults().withThreads(2));
    assertSameModel(
        trainer.train(primal.xTrain(), primal.yTrain(), 10),
        trainer.train(blocks, primal.yTrain(), 10),
        primal.xTest());
    assertMessage("row 3 has 5 values, expected 64", () -> blocks.setRow(3, new float[5]));
    assertMessage("rows > 0", () -> RowBlocks.allocate(0, 3));
  }

  private static void assertSameModel(LinearSvcModel a, LinearSvcModel other, float[][] xTest) {
    assertArrayEquals(a.iterations(), other.iterations());
    assertArrayEquals(a.intercept(), other.intercept());
    double[][] wa = a.coef();
    double[][] wo = other.coef();
    assertEquals(wa.length, wo.length);
    for (int k = 0; k < wa.length; k++) {
      assertArrayEquals(wa[k], wo[k]);
    }
    assertArrayEquals(a.predict(xTest), other.predict(xTest));
  }

  @Test
  void binaryCaseTrainsOneClassifierWithTheLargerLabelPositive() {
    // Two present labels out of numClasses=5: classes 1 and 3, separated along feature 0.
    Random rnd = new Random(7);
    int n = 200;
    float[][] x = new float[n][4];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 2 == 0 ? 1 : 3;
      for (int j = 0; j < 4; j++) {
        x[i][j] = (float) rnd.nextGaussian();
      }
      x[i][0] += y[i] == 3 ? 2f : -2f;
    }
    for (LinearSvcParams.Solver s : LinearSvcParams.Solver.values()) {
      LinearSvcModel m =
          new LinearSvcTrainer(LinearSvcParams.sklearnDefaults().withSolver(s)).train(x, y, 5);
      assertEquals(1, m.coef().length, "one binary problem");
      assertArrayEquals(new int[] {1, 3}, m.classes());
      assertTrue(m.coef()[0][0] > 0, "positive class is the larger label 3");
      double[] s3 = m.scores(new float[] {3f, 0f, 0f, 0f});
      assertEquals(3, m.predict(new float[] {3f, 0f, 0f, 0f}));
      assertEquals(1, m.predict(new float[] {-3f, 0f, 0f, 0f}));
      assertEquals(-s3[1], s3[3], 0.0);
      assertEquals(Double.NEGATIVE_INFINITY, s3[0]);
      assertEquals(Double.NEGATIVE_INFINITY, s3[4]);
      assertTrue(accuracy(m.predict(x), y) > 0.95);
    }
  }

  @Test
  void absentClassesAreNeverPredicted() {
    LinearSvcModel m = new LinearSvcTrainer().train(primal.xTrain(), primal.yTrain(), 12);
    assertEquals(12, m.numClasses());
    for (int p : m.predict(primal.xTest())) {
      assertTrue(p < 10);
    }
    assertEquals(Double.NEGATIVE_INFINITY, m.scores(primal.xTest()[0])[11]);
    assertEquals(12, m.decisionFunction(primal.xTest())[0].length);
  }

  @Test
  void badInputIsRejectedWithAClearMessage() {
    LinearSvcTrainer t = new LinearSvcTrainer();
    float[][] x = {{1f, 2f}, {3f, 4f}, {5f, 6f}};
    assertMessage("3 rows but y has 2", () -> t.train(x, new int[] {0, 1}, 2));
    assertMessage("empty", () -> t.train(new float[0][], new int[0], 2));
    assertMessage("label 7 at row 2 is outside [0, 3)", () -> t.train(x, new int[] {0, 1, 7}, 3));
    assertMessage("label -1 at row 0", () -> t.train(x, new int[] {-1, 1, 0}, 3));
    assertMessage(
        "row 1 of x has 1 features, expected 2",
        () -> t.train(new float[][] {{1f, 2f}, {3f}}, new int[] {0, 1}, 2));
    assertMessage("only 1 class", () -> t.train(x, new int[] {1, 1, 1}, 2));
    assertMessage(
        "x[0][1] is NaN; features must be finite",
        () -> t.train(new float[][] {{1f, Float.NaN}, {3f, 4f}}, new int[] {0, 1}, 2));
    float[][] wide = new float[5000][3];
    int[] labels = new int[5000];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 2;
    }
    wide[4321][2] = Float.POSITIVE_INFINITY;
    wide[2345][1] = Float.NaN;
    // The first bad value in row order, whichever chunk a thread checks first.
    assertMessage(
        "x[2345][1] is NaN",
        () ->
            new LinearSvcTrainer(LinearSvcParams.sklearnDefaults().withThreads(2), 100)
                .train(wide, labels, 2));
    assertMessage(
        "C must be",
        () -> new LinearSvcParams(0, 1e-4, 1000, 1, LinearSvcParams.Solver.AUTO, 1, 1));
    LinearSvcModel m = t.train(x, new int[] {0, 1, 1}, 2);
    assertMessage("length 2", () -> m.predict(new float[3]));
  }

  private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(
        ex.getMessage().contains(part), "message '" + ex.getMessage() + "' lacks '" + part + "'");
  }
}
