package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.workflows.spec.SamplingSpec;
import io.labelcurve.workflows.spec.SweepSpec;
import io.labelcurve.workflows.sweep.SweepRequest;
import io.labelcurve.workflows.sweep.SweepSearchAttributes;
import io.labelcurve.workflows.sweep.SweepWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code labelcurve search-attributes register} against Temporal's port-bound test server, which
 * (like a real server) refuses a workflow that carries attributes its namespace does not know.
 */
class SearchAttributesCommandTest {

  @Test
  void registeringLetsASweepCarryItsAttributesAndIsSafeToRepeat() throws Exception {
    int port = LabelcurveProcesses.freePort();
    try (TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port)) {
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
      try {
        WorkflowClient client =
            WorkflowClient.newInstance(
                stubs, WorkflowClientOptions.newBuilder().setNamespace("default").build());
        SweepSpec spec =
            new SweepSpec(
                "sa",
                "s3://labelcurve/datasets/x/manifest.csv",
                "train",
                List.of("T1"),
                List.of("dinov2"),
                List.of("linear-probe"),
                List.of(new SamplingSpec(SamplingSpec.IMAGE, List.of(8), false)),
                1,
                "cpu-small",
                1);

        // Before: refused (the server names the attribute).
        WorkflowServiceException refused =
            org.junit.jupiter.api.Assertions.assertThrows(
                WorkflowServiceException.class, () -> start(client, spec, "before"));
        assertTrue(
            String.valueOf(refused.getCause()).contains("is not defined"),
            String.valueOf(refused.getCause()));

        CliRun first =
            CliRun.inProcess("search-attributes", "register", "--temporal", "127.0.0.1:" + port);
        assertEquals(0, first.code(), first.err());
        for (String name :
            List.of(
                "LabelcurveSweep",
                "LabelcurveModel",
                "LabelcurveAdaptation",
                "LabelcurveSampling")) {
          assertTrue(first.out().contains(name + ": added"), first.out());
        }
        CliRun second =
            CliRun.inProcess("search-attributes", "register", "--temporal", "127.0.0.1:" + port);
        assertEquals(0, second.code(), second.err());
        assertEquals(
            4,
            second.out().lines().filter(l -> l.endsWith(": already there")).count(),
            second.out());

        // After: accepted and readable.
        start(client, spec, "after");
        SearchAttributes attributes =
            client.newUntypedWorkflowStub("after").describe().getTypedSearchAttributes();
        assertEquals("sa", attributes.get(SweepSearchAttributes.SWEEP));
        assertEquals(List.of("dinov2"), attributes.get(SweepSearchAttributes.MODEL));
      } finally {
        stubs.shutdownNow();
      }
    }
  }

  private static void start(WorkflowClient client, SweepSpec spec, String id) {
    WorkflowStub stub =
        client.newUntypedWorkflowStub(
            "SweepWorkflow",
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(SweepWorkflow.TASK_QUEUE)
                .setTypedSearchAttributes(SweepSearchAttributes.ofSweep(spec))
                .build());
    stub.start(SweepRequest.all(spec));
  }
}
