package io.labelcurve.starter;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.runtime.Provenance;
import io.labelcurve.worker.TemporalSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code labelcurve} command. */
@Command(
    name = "labelcurve",
    mixinStandardHelpOptions = true,
    versionProvider = Labelcurve.Version.class,
    description =
        "Which vision model, adapted how, gives the best accuracy for the labels you can afford.",
    subcommands = {
      DemoCommand.class,
      UpCommand.class,
      WorkerCommand.class,
      SweepCommand.class,
      DatasetCommand.class,
      ModelsCommand.class,
      BenchCommand.class,
      ReportCommand.class,
      SearchAttributesCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Labelcurve {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code, one of {@link ExitCode} (tests call this). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Labelcurve());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // A user's mistake gets its message, not a stack trace; each kind of failure its exit code.
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          ExitCode exit = exitCodeOf(e);
          String message =
              switch (exit) {
                case BAD_INPUT, SWEEP_FAILED, CELLS_FAILED, NUMERICS_WRONG, NO_GPU, OK ->
                    messageOf(e);
                case UNREACHABLE ->
                    TemporalErrors.unreachable(e)
                        .map(
                            down ->
                                "no Temporal server answers at "
                                    + temporalAddress(parsed)
                                    + ": "
                                    + down.getCode()
                                    + (down.getDescription() == null
                                        ? ""
                                        : " (" + down.getDescription() + ")")
                                    + "\n  is `labelcurve up` or the cluster running? set "
                                    + TemporalSettings.ENV_ADDRESS
                                    + " (or TEMPORAL_ADDRESS) or --temporal"
                                    + " (README, 'The CLI')")
                        .orElseGet(() -> messageOf(e));
                case INTERNAL -> String.valueOf(e);
              };
          cmd.getErr().println("error: " + message);
          if (exit == ExitCode.INTERNAL) {
            e.printStackTrace(cmd.getErr());
          }
          return exit.code();
        });
    return cli.execute(args);
  }

  /** The exit code of an exception a command threw. */
  static ExitCode exitCodeOf(Throwable e) {
    if (badInput(e) != null) {
      return ExitCode.BAD_INPUT;
    }
    if (e instanceof UserError u) {
      return u.exit();
    }
    if (TemporalErrors.unreachable(e).isPresent()) {
      return ExitCode.UNREACHABLE;
    }
    return ExitCode.INTERNAL;
  }

  private static String messageOf(Throwable e) {
    BadInputException bad = badInput(e);
    return bad != null ? bad.getMessage() : e.getMessage();
  }

  /** The BadInputException in {@code e}'s causes, or null. */
  private static BadInputException badInput(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BadInputException b) {
        return b;
      }
    }
    return null;
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
