package io.labelcurve.worker;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.labelcurve.workflows.sweep.SweepSearchAttributes;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Registers the {@code Labelcurve*} search attributes ({@link SweepSearchAttributes#ALL}) on a
 * namespace through Temporal's operator service, so that sweeps started with search attributes are
 * accepted. Safe to repeat: an attribute that exists already is reported, not an error.
 *
 * <p>One request per attribute, because a server answers {@code ALREADY_EXISTS} for a request that
 * names any attribute it has, and would then leave the others of that request out. Temporal Cloud
 * does not take this call (attributes are added there with {@code tcld} or its web UI).
 */
public final class SearchAttributeRegistration {
  private SearchAttributeRegistration() {}

  /** What happened to one attribute. */
  public enum Outcome {
    ADDED,
    ALREADY_THERE
  }

  /**
   * Registers every attribute on {@code namespace} of the server {@code stubs} connect to (its
   * address, TLS and API key are reused), returning each attribute's outcome in order.
   *
   * @throws StatusRuntimeException when the server refuses for another reason (permissions, an
   *     attribute of the same name but another type, no operator service)
   */
  public static Map<String, Outcome> register(WorkflowServiceStubs stubs, String namespace) {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder(stubs.getOptions())
                .validateAndBuildWithDefaults());
    try {
      Map<String, Outcome> out = new LinkedHashMap<>();
      for (SearchAttributeKey<?> key : SweepSearchAttributes.ALL) {
        try {
          operator
              .blockingStub()
              .addSearchAttributes(
                  AddSearchAttributesRequest.newBuilder()
                      .setNamespace(namespace)
                      .putSearchAttributes(key.getName(), key.getValueType())
                      .build());
          out.put(key.getName(), Outcome.ADDED);
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
            throw e;
          }
          out.put(key.getName(), Outcome.ALREADY_THERE);
        }
      }
      return out;
    } finally {
      operator.shutdownNow();
    }
  }
}
