package io.labelcurve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.results.ResultsCsv;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.ModelSweepWorkflow;
import io.labelcurve.workflows.sweep.SweepRequest;
import io.labelcurve.workflows.sweep.SweepResult;
import io.labelcurve.workflows.sweep.SweepSearchAttributes;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny linear-probe sweep end to end through the embedded control plane: Temporal's port-bound
 * test server, a real S3Proxy, real DJL inference on the tiny TorchScript encoder the tests ship,
 * the Java LinearSVC and the evaluation.
 */
class EmbeddedSweepTest {
  static final Path TINY_MODEL = Path.of("../activities/src/test/resources/models/tiny-cnn");

  @TempDir static Path dir;
  static EmbeddedControlPlane plane;
  static String manifestUri;

  @BeforeAll
  static void start() throws IOException {
    Path models = dir.resolve("models/tiny-cnn");
    Files.createDirectories(models);
    for (String f : List.of("model.json", "encoder.pt")) {
      Files.copy(TINY_MODEL.resolve(f), models.resolve(f));
    }
    plane =
        EmbeddedControlPlane.start(
            new EmbeddedControlPlane.Options(
                dir.resolve("data"),
                freePort(),
                0,
                0,
                ModelCatalog.load(dir.resolve("models")),
                2));
    PhantomGenerator.Summary data =
        PhantomGenerator.generate(dir.resolve("phantom"), 3, PhantomGenerator.Scale.TINY);
    manifestUri =
        plane
            .store()
            .uri(
                DatasetUploader.upload(data.manifest(), plane.store(), "datasets/tiny/")
                    .manifestKey());
  }

  @AfterAll
  static void stop() {
    if (plane != null) {
      plane.close();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static SweepSpec spec(String id, List<String> models, List<Integer> imageSizes) {
    return new SweepSpec(
        id,
        manifestUri,
        "train",
        List.of("T1", "T2"),
        models,
        List.of("linear-probe"),
        List.of(
            new SamplingSpec(SamplingSpec.IMAGE, imageSizes, false),
            new SamplingSpec(SamplingSpec.SEQUENCE, List.of(1, 2), false)),
        2,
        "cpu-small",
        3);
  }

  static SweepResult run(SweepSpec spec) {
    SweepWorkflow sweep =
        plane
            .client()
            .newWorkflowStub(
                SweepWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(spec.id())
                    .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                    .build());
    return sweep.run(io.labelcurve.workflows.sweep.SweepRequest.all(spec));
  }

  @Test
  void aTinySweepRunsEndToEndAndASecondSweepEmbedsNothing() throws Exception {
    SweepResult first = run(spec("tiny-1", List.of("tiny-cnn"), List.of(16, 64, 0)));
    // 3 image sizes + 2 sequence sizes, 2 seeds
    assertEquals(10, first.cells());
    assertEquals(10, first.cellsDone(), () -> first.models().toString());
    assertTrue(first.imagesEmbedded() > 0);
    assertEquals(0, first.imagesFromCache());

    String csv = new SweepStore(plane.store(), "tiny-1").readResults().orElseThrow();
    List<String> lines = csv.lines().toList();
    assertEquals(ResultsCsv.HEADER, lines.get(0));
    // cells x 2 test splits x 2 levels
    assertEquals(10 * 2 * 2, lines.size() - 1);
    Set<String> seen = new HashSet<>();
    for (ResultsCsv.Row r : ResultsCsv.parse(csv)) {
      assertTrue(r.accuracy() >= 0 && r.accuracy() <= 1, r.toString());
      assertTrue(r.n() > 0, r.toString());
      seen.add(r.sampling() + " " + r.testSplit() + " " + r.level());
    }
    assertEquals(
        Set.of(
            "image T1 image",
            "image T1 sequence",
            "image T2 image",
            "image T2 sequence",
            "sequence T1 image",
            "sequence T1 sequence",
            "sequence T2 image",
            "sequence T2 sequence"),
        seen);

    // The sampled ids are stored with each cell, and subsets of one seed are nested.
    Set<String> small = ids("tiny-1", "tiny-cnn.linear-probe.image-16.s0");
    Set<String> large = ids("tiny-1", "tiny-cnn.linear-probe.image-64.s0");
    assertEquals(16, small.size());
    assertEquals(64, large.size());
    assertTrue(large.containsAll(small), "subset(16) is a prefix of subset(64)");
    assertTrue(
        small.stream().anyMatch(i -> i.contains("#v"))
            || large.stream().anyMatch(i -> i.contains("#v")),
        "augmented variants are part of the image pool");

    // A second sweep over the same data computes no embedding and leaves the cache untouched.
    // It carries the search attributes, as a sweep started with --search-attributes does.
    Map<Path, FileTime> before = cacheFiles();
    SweepSpec secondSpec = spec("tiny-2", List.of("tiny-cnn"), List.of(32));
    SweepResult second =
        plane
            .client()
            .newWorkflowStub(
                SweepWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(secondSpec.id())
                    .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                    .setTypedSearchAttributes(SweepSearchAttributes.ofSweep(secondSpec))
                    .build())
            .run(new SweepRequest(secondSpec, null, true));
    assertEquals(0, second.imagesEmbedded());
    assertEquals(first.imagesEmbedded(), second.imagesFromCache());
    assertEquals(before, cacheFiles());
    SearchAttributes ofSweep =
        plane.client().newUntypedWorkflowStub("tiny-2").describe().getTypedSearchAttributes();
    assertEquals("tiny-2", ofSweep.get(SweepSearchAttributes.SWEEP));
    assertEquals(List.of("tiny-cnn"), ofSweep.get(SweepSearchAttributes.MODEL));
    assertEquals(List.of("linear-probe"), ofSweep.get(SweepSearchAttributes.ADAPTATION));
    assertEquals(List.of("image", "sequence"), ofSweep.get(SweepSearchAttributes.SAMPLING));
    SearchAttributes ofModel =
        plane
            .client()
            .newUntypedWorkflowStub(ModelSweepWorkflow.workflowId("tiny-2", "tiny-cnn"))
            .describe()
            .getTypedSearchAttributes();
    assertEquals("tiny-2", ofModel.get(SweepSearchAttributes.SWEEP));
    assertEquals(List.of("tiny-cnn"), ofModel.get(SweepSearchAttributes.MODEL));

    // Both kinds of series are on /metrics.
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(plane.metrics().url())).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertTrue(metrics.contains("temporal_"), "Temporal SDK series");
    assertTrue(metrics.contains("labelcurve_cells_completed_total"), "labelcurve's own series");
    assertTrue(metrics.contains("labelcurve_images_embedded_total"));
    assertTrue(metrics.contains("labelcurve_embeddings_from_cache_total"));
  }

  @Test
  void theSearchAttributesAreRegisteredAtStartAndRegisteringAgainChangesNothing() {
    Map<String, SearchAttributeRegistration.Outcome> again =
        SearchAttributeRegistration.register(
            plane.client().getWorkflowServiceStubs(), EmbeddedControlPlane.NAMESPACE);
    assertEquals(
        SweepSearchAttributes.ALL.stream().map(SearchAttributeKey::getName).toList(),
        List.copyOf(again.keySet()));
    assertTrue(
        again.values().stream()
            .allMatch(o -> o == SearchAttributeRegistration.Outcome.ALREADY_THERE),
        again::toString);
  }

  @Test
  void anUnknownModelFailsTheSweepBeforeAnyEmbedding() {
    WorkflowFailedException e =
        assertThrows(
            WorkflowFailedException.class,
            () -> run(spec("bad-model", List.of("tiny-cnn", "no-such-model"), List.of(16))));
    ApplicationFailure failure = badInput(e);
    assertTrue(failure.getOriginalMessage().contains("models[1]"), failure.getOriginalMessage());
    assertTrue(
        failure.getOriginalMessage().contains("no-such-model"), failure.getOriginalMessage());
  }

  @Test
  void aSizeLargerThanThePoolFailsBeforeAnyEmbedding() throws IOException {
    WorkflowFailedException e =
        assertThrows(
            WorkflowFailedException.class,
            () -> run(spec("too-big", List.of("tiny-cnn"), List.of(16, 1_000_000))));
    String message = badInput(e).getOriginalMessage();
    assertTrue(message.contains("samplings[0].sizes[1]"), message);
    assertTrue(new SweepStore(plane.store(), "too-big").readCells().isEmpty());
  }

  /** The failure of type BadInput in a workflow failure's chain. */
  static ApplicationFailure badInput(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure af && "BadInput".equals(af.getType())) {
        return af;
      }
    }
    throw new AssertionError("no BadInput failure in " + e, e);
  }

  static Set<String> ids(String sweep, String cell) throws IOException {
    return Set.copyOf(new SweepStore(plane.store(), sweep).readSampledIds(cell).orElseThrow());
  }

  static Map<Path, FileTime> cacheFiles() throws IOException {
    Path root = plane.s3().root().resolve("labelcurve/embeddings");
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .collect(
              Collectors.toMap(
                  p -> p,
                  p -> {
                    try {
                      return Files.getLastModifiedTime(p);
                    } catch (IOException ex) {
                      throw new java.io.UncheckedIOException(ex);
                    }
                  }));
    }
  }
}
