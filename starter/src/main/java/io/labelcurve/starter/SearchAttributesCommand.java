package io.labelcurve.starter;

import io.grpc.StatusRuntimeException;
import io.labelcurve.worker.SearchAttributeRegistration;
import io.labelcurve.worker.TemporalSettings;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code labelcurve search-attributes …}: the Temporal UI's filters for sweeps. */
@Command(
    name = "search-attributes",
    mixinStandardHelpOptions = true,
    description = "The Labelcurve* search attributes that let the Temporal UI filter sweeps.",
    subcommands = {SearchAttributesCommand.Register.class})
final class SearchAttributesCommand {

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description =
          "Register LabelcurveSweep, LabelcurveModel, LabelcurveAdaptation and"
              + " LabelcurveSampling on the namespace (once per namespace; safe to repeat), so that"
              + " `sweep start --search-attributes` is accepted.")
  static final class Register implements Callable<Integer> {
    @Mixin ConnectionOptions connection;
    @Mixin OutputOptions output;

    @Override
    public Integer call() throws Exception {
      TemporalSettings settings = connection.temporalSettings();
      WorkflowServiceStubs stubs = connection.stubs();
      try {
        Map<String, SearchAttributeRegistration.Outcome> done =
            SearchAttributeRegistration.register(stubs, settings.namespace());
        if (output.json()) {
          java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
          json.put("namespace", settings.namespace());
          json.put("address", settings.address());
          java.util.Map<String, String> attributes = new java.util.TreeMap<>();
          done.forEach(
              (name, outcome) ->
                  attributes.put(name, outcome.name().toLowerCase(java.util.Locale.ROOT)));
          json.put("attributes", attributes);
          output.printJson(json);
          return ExitCode.OK.code();
        }
        done.forEach(
            (name, outcome) ->
                System.out.println(
                    name
                        + ": "
                        + (outcome == SearchAttributeRegistration.Outcome.ADDED
                            ? "added"
                            : "already there")));
        System.out.println(
            "namespace "
                + settings.namespace()
                + " at "
                + settings.address()
                + " takes sweeps started with --search-attributes");
        return ExitCode.OK.code();
      } catch (StatusRuntimeException e) {
        if (TemporalErrors.unreachable(e).isPresent()) {
          throw e; // the CLI's handler says it for every command
        }
        throw new UserError(
            "cannot register search attributes on namespace '"
                + settings.namespace()
                + "' at "
                + settings.address()
                + ": "
                + e.getStatus().getCode()
                + (e.getStatus().getDescription() == null
                    ? ""
                    : " (" + e.getStatus().getDescription() + ")")
                + switch (e.getStatus().getCode()) {
                  case PERMISSION_DENIED, UNAUTHENTICATED ->
                      "\n  registering needs an admin of the"
                          + " namespace; ask one to run this command or the `temporal operator"
                          + " search-attribute create` lines in docs/CLUSTER.md";
                  case UNIMPLEMENTED ->
                      "\n  this server has no operator service (Temporal Cloud:"
                          + " add them with tcld or the web UI, see docs/CLUSTER.md)";
                  default -> "";
                });
      } finally {
        stubs.shutdown();
      }
    }
  }
}
