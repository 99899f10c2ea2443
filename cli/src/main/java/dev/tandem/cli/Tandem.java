package dev.tandem.cli;

import dev.tandem.CodeVersion;
import dev.tandem.config.ConfigException;
import dev.tandem.datasets.shard.CorruptDataException;
import dev.tandem.datasets.text.BadInputException;
import java.io.PrintWriter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The single entry point: {@code tandem <command>}. */
@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = Tandem.Version.class,
    description = "Train two-tower retrieval and ranking models on DL4J, on one machine or a Spark cluster, and serve them.",
    subcommands = {DataCommand.class, TrainCommand.class, SubmitCommand.class, EvaluateCommand.class, ExportCommand.class, RegistryCommand.class,
        RecommendCommand.class, ServeCommand.class, QuickstartCommand.class, BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class Tandem implements Runnable {
  private static final Logger LOG = LogManager.getLogger(Tandem.class);

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.setOut(new QuietStdout(System.out));
    System.exit(run(args));
  }

  /** Runs a command line and returns the exit code (0 ok, 1 failure, 2 bad input or usage). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Tandem());
    cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
      PrintWriter err = cmd.getErr();
      Throwable cause = ex;
      while (cause instanceof java.io.UncheckedIOException && cause.getCause() != null && userError(cause.getCause())) {
        cause = cause.getCause();
      }
      if (userError(cause)) {
        err.println("error: " + cause.getMessage());
        LOG.debug("command failed", cause);
        err.flush();
        return 2;
      }
      err.println("error: " + cause);
      LOG.error("command failed", cause);
      err.flush();
      return 1;
    });
    return cl;
  }

  static boolean userError(Throwable t) {
    return t instanceof ConfigException || t instanceof BadInputException || t instanceof CorruptDataException
        || t instanceof IllegalArgumentException || t instanceof java.io.FileNotFoundException
        || t instanceof dev.tandem.ps.StartupException;
  }

  /** Prints the code version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"tandem " + CodeVersion.get()};
    }
  }
}
