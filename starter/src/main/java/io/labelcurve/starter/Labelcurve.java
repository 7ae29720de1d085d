package io.labelcurve.starter;

import io.grpc.Status;
import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.worker.TemporalSettings;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code labelcurve} command. */
@Command(name = "labelcurve", mixinStandardHelpOptions = true, versionProvider = Labelcurve.Version.class,
    description = "Which vision model, adapted how, gives the best accuracy for the labels you can afford.",
    subcommands = {DemoCommand.class, UpCommand.class, WorkerCommand.class, SweepCommand.class,
        DatasetCommand.class, ModelsCommand.class, BenchCommand.class, ReportCommand.class,
        SearchAttributesCommand.class,
        CommandLine.HelpCommand.class})
public final class Labelcurve {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (tests call this). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Labelcurve());
    // A user's mistake gets its message, not a stack trace.
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      Throwable t = e;
      while (t.getCause() != null && !(t instanceof BadInputException)) {
        t = t.getCause();
      }
      if (e instanceof BadInputException || t instanceof BadInputException) {
        cmd.getErr().println("error: " + t.getMessage());
        return 2;
      }
      if (e instanceof UserError u) {
        cmd.getErr().println("error: " + u.getMessage());
        return 2;
      }
      Optional<Status> down = TemporalErrors.unreachable(e);
      if (down.isPresent()) {
        cmd.getErr().println("error: no Temporal server answers at " + temporalAddress(parsed)
            + ": " + down.get().getCode() + (down.get().getDescription() == null ? ""
                : " (" + down.get().getDescription() + ")")
            + "\n  is `labelcurve up` or the cluster running? set "
            + TemporalSettings.ENV_ADDRESS + " or --temporal (README, 'The CLI')");
        return 2;
      }
      cmd.getErr().println("error: " + e);
      e.printStackTrace(cmd.getErr());
      return 1;
    });
    return cli.execute(args);
  }

  /** The address a command used: its --temporal, else the environment's, else the default. */
  private static String temporalAddress(CommandLine.ParseResult parsed) {
    CommandLine.ParseResult leaf = parsed;
    while (leaf.hasSubcommand()) {
      leaf = leaf.subcommand();
    }
    String flag = leaf.matchedOptionValue("--temporal", null);
    return flag != null ? flag : TemporalSettings.fromEnvironment(System.getenv()).address();
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"labelcurve " + Provenance.version()};
    }
  }
}
