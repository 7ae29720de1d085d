package io.labelcurve.starter;

import io.labelcurve.activities.dataset.BlobImageSource;
import io.labelcurve.activities.dataset.DatasetDigest;
import io.labelcurve.activities.dataset.DatasetUploader;
import io.labelcurve.activities.dataset.LocalImageSource;
import io.labelcurve.activities.dataset.Manifest;
import io.labelcurve.activities.dataset.ManifestReader;
import io.labelcurve.activities.dataset.Manifests;
import io.labelcurve.activities.dataset.ValidationReport;
import io.labelcurve.activities.image.ImageSource;
import io.labelcurve.activities.model.ModelCatalog;
import io.labelcurve.activities.spec.SpecChecks;
import io.labelcurve.activities.storage.BlobStore;
import io.labelcurve.workflows.spec.DatasetSummary;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.SweepRequest;
import io.labelcurve.workflows.sweep.SweepSearchAttributes;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Everything between a spec file and a running sweep: the checks that refuse a bad spec before any
 * work (fields, models, preset, manifest, images, sizes against the pool), the upload of a local
 * dataset, and the start of the workflow under the sweep id.
 */
final class SweepLauncher {
  private SweepLauncher() {}

  /** Checks the spec and makes its dataset an {@code s3://} URI in the bucket (uploading it). */
  static SweepSpec prepare(
      SweepSpec spec, Path specDir, ModelCatalog catalog, BlobStore store, PrintStream out)
      throws IOException {
    SpecChecks.check(spec, catalog);
    Manifest manifest;
    ImageSource images;
    String uri;
    if (spec.dataset().startsWith("s3://")) {
      Manifests manifests = new Manifests(store);
      manifest = manifests.read(spec.dataset());
      images = BlobImageSource.besides(store, manifests.keyOf(spec.dataset()));
      uri = spec.dataset();
    } else {
      Path local = specDir.resolve(spec.dataset()).normalize();
      if (!Files.isRegularFile(local)) {
        throw new UserError(
            "dataset: "
                + local
                + " does not exist; give the path of a manifest.csv"
                + " (relative to the spec) or an s3:// URI");
      }
      manifest = ManifestReader.read(local);
      images = LocalImageSource.besides(local);
      uri = null;
    }
    ValidationReport report = SpecChecks.validator(spec).validateOrThrow(manifest, images);
    report.warnings().forEach(w -> out.println("warning: " + w));
    DatasetDigest digest = DatasetDigest.of(manifest, images);
    // Sizes against the pool before the upload: a bad spec costs nothing.
    DatasetSummary summary =
        SpecChecks.summarise(
            manifest, uri == null ? manifest.location() : uri, digest.cacheKey(), spec);
    SpecChecks.checkAgainst(spec, summary);
    if (uri == null) {
      uri = upload(Path.of(manifest.location()), digest, store, out);
    }
    return spec.withDataset(uri);
  }

  /** Uploads a local dataset under {@code datasets/{folder}-{digest}/}, once per content. */
  static String upload(Path manifestFile, DatasetDigest digest, BlobStore store, PrintStream out)
      throws IOException {
    Path folder = manifestFile.toAbsolutePath().getParent();
    String name = folder.getFileName() == null ? "dataset" : folder.getFileName().toString();
    String prefix =
        "datasets/" + name.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + digest.cacheKey() + "/";
    if (store.exists(prefix + "manifest.csv")) {
      out.println("dataset " + manifestFile + " is already in the bucket at " + store.uri(prefix));
      return store.uri(prefix + "manifest.csv");
    }
    DatasetUploader.Upload up = DatasetUploader.upload(manifestFile, store, prefix);
    out.println(
        "uploaded " + up.images() + " images of " + manifestFile + " to " + store.uri(prefix));
    return store.uri(up.manifestKey());
  }

  /** Starts the sweep; refuses an id that is already running or finished on this server. */
  static SweepWorkflow start(WorkflowClient client, SweepSpec spec) {
    return start(client, new SweepRequest(spec, null, searchAttributesFromEnvironment()));
  }

  /** Starts the sweep; refuses an id that is already running or finished on this server. */
  static SweepWorkflow start(WorkflowClient client, SweepRequest request) {
    String id = request.spec().id();
    // A sweep id names its folder in the bucket: a second sweep under it would mix results.
    return startRun(
        client,
        request,
        WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
        "a sweep with id '"
            + id
            + "' already exists; pick another --id, or use 'labelcurve sweep"
            + " rerun "
            + id
            + "' to run its failed and missing cells");
  }

  /**
   * Starts a rerun: a new run under the sweep's id that executes only {@code request.onlyCells()}.
   * The one place a sweep id is reused, and only once the previous run has closed (a running sweep
   * is refused: its cells are still being decided).
   */
  static SweepWorkflow rerun(WorkflowClient client, SweepRequest request) {
    String id = request.spec().id();
    return startRun(
        client,
        request,
        WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
        "sweep '"
            + id
            + "' is still running; wait for it or cancel it (labelcurve sweep cancel "
            + id
            + ") before a rerun");
  }

  private static SweepWorkflow startRun(
      WorkflowClient client, SweepRequest request, WorkflowIdReusePolicy reuse, String refusal) {
    SweepSpec spec = request.spec();
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(spec.id())
            .setTaskQueue(SweepWorkflow.TASK_QUEUE)
            .setWorkflowIdReusePolicy(reuse);
    if (request.searchAttributes()) {
      options.setTypedSearchAttributes(SweepSearchAttributes.ofSweep(spec));
    }
    SweepWorkflow sweep = client.newWorkflowStub(SweepWorkflow.class, options.build());
    try {
      WorkflowClient.start(sweep::run, request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new UserError(refusal);
    }
    return sweep;
  }

  /**
   * {@code LABELCURVE_SEARCH_ATTRIBUTES=true}: set search attributes (registered on the namespace).
   */
  static boolean searchAttributesFromEnvironment() {
    return Boolean.parseBoolean(System.getenv().getOrDefault(ENV_SEARCH_ATTRIBUTES, "false"));
  }

  static final String ENV_SEARCH_ATTRIBUTES = "LABELCURVE_SEARCH_ATTRIBUTES";
}
