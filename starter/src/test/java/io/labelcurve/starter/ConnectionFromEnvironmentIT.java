package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.storage.EmbeddedS3;
import io.labelcurve.activities.storage.S3Settings;
import io.labelcurve.worker.TemporalSettings;
import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.CellWorkflowImpl;
import io.labelcurve.workflows.sweep.ModelSweepWorkflowImpl;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.labelcurve.workflows.sweep.SweepWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker process and the CLI take Temporal's address and namespace (and the bucket) from the
 * environment alone: both run here as separate processes with nothing but environment variables
 * pointing at a port-bound Temporal test server and an S3Proxy.
 */
class ConnectionFromEnvironmentIT {
  @TempDir Path dir;

  @Test
  void workerAndCliConnectWithSettingsFromTheEnvironment() throws Exception {
    int port = LabelcurveProcesses.freePort();
    try (TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port);
        EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0)) {
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
      WorkflowClient client =
          WorkflowClient.newInstance(
              stubs, WorkflowClientOptions.newBuilder().setNamespace("default").build());
      // The workflow worker lives with the server, as in the embedded mode.
      WorkerFactory factory = WorkerFactory.newInstance(client);
      factory
          .newWorker(SweepWorkflow.TASK_QUEUE)
          .registerWorkflowImplementationTypes(
              SweepWorkflowImpl.class, ModelSweepWorkflowImpl.class, CellWorkflowImpl.class);
      factory.start();

      SweepSpec spec =
          new SweepSpec(
              "env-sweep",
              "s3://labelcurve/datasets/none/manifest.csv",
              "train",
              List.of("T1"),
              List.of("random-resnet18"),
              List.of("linear-probe"),
              List.of(new SamplingSpec("image", List.of(8), false)),
              1,
              "cpu-small",
              1);
      WorkflowClient.start(
          client.newWorkflowStub(
                  SweepWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setWorkflowId(spec.id())
                      .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                      .build())
              ::run,
          io.labelcurve.workflows.sweep.SweepRequest.all(spec));

      Map<String, String> env =
          Map.of(
              TemporalSettings.ENV_ADDRESS,
              "127.0.0.1:" + port,
              TemporalSettings.ENV_NAMESPACE,
              "default",
              S3Settings.ENV_ENDPOINT,
              s3.endpoint(),
              S3Settings.ENV_ACCESS_KEY,
              EmbeddedS3.ACCESS_KEY,
              S3Settings.ENV_SECRET_KEY,
              EmbeddedS3.SECRET_KEY);

      // The CLI finds the sweep through the environment's address and namespace.
      Path statusLog = dir.resolve("status.log");
      Process status =
          LabelcurveProcesses.start(
              statusLog, env, List.of("sweep", "status", spec.id(), "--json"));
      assertTrue(status.waitFor(60, TimeUnit.SECONDS));
      String out = java.nio.file.Files.readString(statusLog, StandardCharsets.UTF_8);
      assertEquals(0, status.exitValue(), out);
      assertTrue(out.contains("\"phase\":\"validating\""), out);

      // A worker process configured only by the environment picks up the sweep's first activity:
      // the dataset is not in its bucket, and the sweep fails with the worker's own message.
      Process worker =
          LabelcurveProcesses.start(
              dir.resolve("worker.log"),
              env,
              List.of(
                  "worker",
                  "--queues",
                  "labelcurve-cpu",
                  "--no-workflows",
                  "--metrics-port",
                  "0",
                  "--models",
                  dir.toString()));
      try {
        WorkflowStub stub = client.newUntypedWorkflowStub(spec.id());
        WorkflowFailedException e =
            assertThrows(
                WorkflowFailedException.class,
                () -> stub.getResult(120, TimeUnit.SECONDS, Object.class));
        String message = String.valueOf(rootMessage(e));
        assertTrue(message.contains("s3://labelcurve/datasets/none/manifest.csv"), message);
        assertTrue(message.contains("does not exist"), message);
      } finally {
        worker.destroy();
        worker.waitFor(30, TimeUnit.SECONDS);
      }
      factory.shutdownNow();
      stubs.shutdownNow();
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  @Test
  void tlsAndApiKeySettingsComeFromTheEnvironmentAndTheKeyIsNeverPrinted() {
    TemporalSettings s =
        TemporalSettings.fromEnvironment(
            Map.of(
                TemporalSettings.ENV_ADDRESS, "ns.tmprl.cloud:7233",
                TemporalSettings.ENV_NAMESPACE, "ns.acct",
                TemporalSettings.ENV_API_KEY, "secret-key-value"));
    assertEquals("ns.tmprl.cloud:7233", s.address());
    assertEquals("ns.acct", s.namespace());
    assertTrue(s.tls());
    assertFalse(s.toString().contains("secret-key-value"), s.toString());

    TemporalSettings certOnly =
        TemporalSettings.fromEnvironment(
            Map.of(TemporalSettings.ENV_TLS_CERT, dir.resolve("client.pem").toString()));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> certOnly.connect(null));
    assertTrue(e.getMessage().contains(TemporalSettings.ENV_TLS_KEY), e.getMessage());

    TemporalSettings defaults = TemporalSettings.fromEnvironment(Map.of());
    assertEquals(TemporalSettings.DEFAULT_ADDRESS, defaults.address());
    assertEquals("default", defaults.namespace());
    assertFalse(defaults.tls());
  }
}
