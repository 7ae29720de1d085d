package io.labelcurve.starter;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.runtime.Provenance;
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
      cmd.getErr().println("error: " + e);
      e.printStackTrace(cmd.getErr());
      return 1;
    });
    return cli.execute(args);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"labelcurve " + Provenance.version()};
    }
  }
}
