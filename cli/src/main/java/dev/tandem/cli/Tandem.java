package dev.tandem.cli;

import dev.tandem.CodeVersion;
import dev.tandem.config.ConfigException;
import dev.tandem.datasets.text.BadInputException;
import dev.tandem.fs.CorruptDataException;
import java.io.PrintWriter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The single entry point: {@code tandem <command>}. */
@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = Tandem.Version.class,
    description = "Train two-tower retrieval and ranking models on DL4J, on one machine or a Spark cluster, and serve them.",
    subcommands = {DataCommand.class, TrainCommand.class, SubmitCommand.class, EvaluateCommand.class, ExportCommand.class, RegistryCommand.class,
        SweepCommand.class, RecommendCommand.class, ServeCommand.class, QuickstartCommand.class, BenchCommand.class,
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
    exitWithParent(System.getenv(PARENT_PID_ENV));
    System.exit(run(args));
  }

  /** Set by a process that runs Tandem as its child (the sweep runner) to its own process id. */
  public static final String PARENT_PID_ENV = "TANDEM_PARENT_PID";

  /**
   * A child process must not outlive the process that supervises it: if the sweep runner is killed (even with
   * SIGKILL, which runs no shutdown hook), an orphaned trial would go on writing into a run directory that the
   * re-started sweep resumes. A daemon thread watches the parent and halts this JVM when it is gone; training writes
   * every file atomically, so halting at any point is safe.
   */
  static void exitWithParent(String parentPid) {
    if (parentPid == null || parentPid.isBlank()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(parentPid.trim());
    } catch (NumberFormatException e) {
      LOG.warn("ignoring {}={}: not a process id", PARENT_PID_ENV, parentPid);
      return;
    }
    java.util.Optional<ProcessHandle> parent = ProcessHandle.of(pid);
    Thread t = new Thread(() -> {
      while (parent.map(ProcessHandle::isAlive).orElse(false)) {
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
      LOG.warn("the supervising process {} has gone: stopping", pid);
      Runtime.getRuntime().halt(130);
    }, "parent-watchdog");
    t.setDaemon(true);
    t.start();
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
