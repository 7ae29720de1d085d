package io.labelcurve.activities.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.device.DevicePool;
import io.labelcurve.activities.finetune.FinetuneConfig;
import io.labelcurve.activities.finetune.TrainingListener;
import io.labelcurve.activities.metrics.LabelcurveMetrics;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.model.TestModels;
import io.labelcurve.activities.phantom.PhantomGenerator;
import io.labelcurve.activities.results.CellRecord;
import io.labelcurve.activities.runtime.ActivityContext;
import io.labelcurve.activities.spec.SpecChecks;
import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3BlobStore;
import io.labelcurve.activities.store.SweepStore;
import io.labelcurve.workflows.activities.CellResult;
import io.labelcurve.workflows.activities.FinetuneActivities;
import io.labelcurve.workflows.activities.FinetuneCellRequest;
import io.labelcurve.workflows.plan.Cell;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finetune cells on a worker's device slots: CPU slots stand in for GPUs (libtorch has one CPU
 * device, so the slot number is what tells them apart, as the GPU index does on a GPU host). Real
 * Temporal activity environments, S3Proxy and DJL; the TINY phantom and the tiny CNN.
 */
class FinetuneDeviceSlotsTest {
  @TempDir static Path dir;
  static EmbeddedS3 s3;
  static S3BlobStore store;
  static DatasetSummary dataset;
  static ActivityContext context;

  @BeforeAll
  static void setUp() throws Exception {
    PhantomGenerator.Summary summary =
        PhantomGenerator.generate(dir.resolve("phantom"), 13, PhantomGenerator.Scale.TINY);
    s3 = EmbeddedS3.start(dir.resolve("s3"), 0);
    store = S3BlobStore.connect(s3.settings("finetune-slots"));
    DatasetUploader.Upload up = DatasetUploader.upload(summary.manifest(), store, "datasets/tiny");
    dataset =
        SpecChecks.summarise(
            ManifestReader.read(summary.manifest()),
            store.uri(up.manifestKey()),
            "tiny-digest",
            "train");
    context =
        new ActivityContext(
            store, ModelCatalog.load(TestModels.fixtureCatalog()), LabelcurveMetrics.none(), 1);
  }

  @AfterAll
  static void tearDown() throws Exception {
    store.close();
    s3.close();
  }

  static FinetuneCellRequest request(String sweep, int size, int seed, String preset) {
    Cell cell =
        new Cell(
            Cell.idOf("tiny-cnn", "finetune", "image", size, seed),
            "tiny-cnn",
            "finetune",
            "image",
            size,
            seed,
            false);
    return new FinetuneCellRequest(sweep, cell, dataset, preset, List.of("T1", "T2"), false);
  }

  static FinetuneActivitiesImpl impl(DevicePool pool) {
    return new FinetuneActivitiesImpl(
        context, new Manifests(store), pool, 1000, FinetuneConfig.DEFAULT_MAX_GRAD_NORM, 1);
  }

  /** One cell through its own Temporal activity environment (each is one activity task). */
  static CellResult runInTemporal(FinetuneActivitiesImpl impl, FinetuneCellRequest request) {
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(impl);
      FinetuneActivities stub =
          env.newActivityStub(
              FinetuneActivities.class,
              ActivityOptions.newBuilder()
                  // Generous for a few seconds of tiny-CNN training on a loaded 2-core machine.
                  .setStartToCloseTimeout(Duration.ofMinutes(10))
                  // One attempt: a retry could hide a failure of the first.
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      return stub.runFinetuneCell(request);
    } finally {
      env.close();
    }
  }

  static CellRecord record(String sweep, CellResult r) throws Exception {
    return new SweepStore(store, sweep).readCell(r.cellId()).orElseThrow();
  }

  @Test
  void twoCellsAtOnceRunOnTwoSlotsAndTheirProvenanceNamesThem() throws Exception {
    DevicePool pool = DevicePool.cpuSlots(2);
    FinetuneActivitiesImpl impl = impl(pool);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    List<Future<CellResult>> runs = new ArrayList<>();
    try {
      for (int seed : new int[] {0, 1}) {
        runs.add(
            threads.submit(
                () -> {
                  go.await();
                  return runInTemporal(impl, request("slots", 16, seed, "cpu-small"));
                }));
      }
      go.countDown();
      List<CellRecord> records = new ArrayList<>();
      for (Future<CellResult> f : runs) {
        records.add(record("slots", f.get(10, TimeUnit.MINUTES)));
      }
      // Both held a slot at the same moment (64 steps of training each: seconds, started
      // together), so two slots were in use at once, one each: a pool never hands one slot twice.
      assertEquals(2, pool.peakLeased(), "the two cells did not run at once");
      Set<String> slots =
          records.stream().map(r -> r.provenance().get("device_slot")).collect(Collectors.toSet());
      assertEquals(Set.of("0 of 2", "1 of 2"), slots, records.toString());
      for (CellRecord r : records) {
        assertEquals("cpu()", r.provenance().get("device"));
      }
      assertNotEquals(
          records.get(0).provenance().get("device_slot"),
          records.get(1).provenance().get("device_slot"));
    } finally {
      threads.shutdownNow();
    }
    assertEquals(0, pool.leased(), "every slot is back in the pool");
  }

  @Test
  void aFailedCellGivesItsSlotBack() throws Exception {
    DevicePool pool = DevicePool.cpuSlots(1);
    FinetuneActivitiesImpl impl = impl(pool);
    // An unknown preset fails after the slot was leased.
    assertThrows(
        BadInputException.class,
        () ->
            impl.run(request("failed", 16, 0, "no-such-preset"), null, new TrainingListener() {}));
    assertEquals(0, pool.leased());
    // The one slot is free again: the next cell runs (a leaked slot would block it for good).
    CellResult r = impl.run(request("failed", 16, 0, "cpu-small"), null, new TrainingListener() {});
    assertEquals("0 of 1", record("failed", r).provenance().get("device_slot"));
    assertEquals(0, pool.leased());
  }
}
