package dev.tandem.cli;

import dev.tandem.CodeVersion;
import dev.tandem.config.ConfigException;
import dev.tandem.datasets.text.BadInputException;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.FileOperationException;
import dev.tandem.ps.StartupException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.FSError;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The single entry point: {@code tandem <command>}. */
@Command(name = "tandem", mixinStandardHelpOptions = true, versionProvider = Tandem.Version.class,
    description = "Train two-tower retrieval and ranking models on DL4J, on one machine or a Spark cluster, and serve them.",
    subcommands = {DataCommand.class, TrainCommand.class, DriftCommand.class, RetrainCommand.class, BacktestCommand.class, SubmitCommand.class,
        EvaluateCommand.class, ExportCommand.class, RegistryCommand.class, SweepCommand.class, RecommendCommand.class, ServeCommand.class,
        AbCommand.class, QuickstartCommand.class, BenchCommand.class, PsCommand.class,
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
    Optional<ProcessHandle> parent = ProcessHandle.of(pid);
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

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "On failure, print the stack trace too (else it is logged at DEBUG: TANDEM_LOG_LEVEL=DEBUG).")
  boolean verbose;

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Tandem());
    CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
    cl.setExecutionStrategy(parse -> {
      try {
        return run.execute(parse);
      } catch (FSError e) {
        // Hadoop's local file system reports a full disk as an Error, which picocli would let through to kill the JVM
        List<CommandLine> chain = parse.asCommandLineList();
        throw new CommandLine.ExecutionException(chain.get(chain.size() - 1), "a file system write failed", e);
      }
    });
    cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
      PrintWriter err = cmd.getErr();
      Throwable cause = ex instanceof CommandLine.ExecutionException && ex.getCause() != null ? ex.getCause() : ex;
      while (cause instanceof UncheckedIOException && cause.getCause() != null && userError(cause.getCause())) {
        cause = cause.getCause();
      }
      boolean known = userError(cause) || ioFailure(cause);
      err.println("error: " + (userError(cause) ? cause.getMessage() : ioFailure(cause) ? ioMessage(cause) : cause.toString()));
      if (verbose(parse)) {
        cause.printStackTrace(err);
      } else if (known) {
        LOG.debug("command failed", cause);
      } else {
        LOG.error("command failed", cause); // not a known kind of failure: the stack trace is what a bug report needs
      }
      err.flush();
      if (cmd.getCommandSpec().userObject() instanceof DriftCommand) {
        return userError(cause) ? 3 : 4; // its 1 and 2 say warn and alert
      }
      return userError(cause) ? 2 : 1;
    });
    return cl;
  }

  private static boolean verbose(CommandLine.ParseResult parse) {
    for (CommandLine c : parse.asCommandLineList()) {
      if (c.getParseResult() != null && c.getParseResult().hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  static boolean userError(Throwable t) {
    return t instanceof ConfigException || t instanceof BadInputException || t instanceof CorruptDataException
        || t instanceof IllegalArgumentException || t instanceof FileNotFoundException
        || t instanceof StartupException;
  }

  /** A failed read or write of a file system: a full disk, a lost connection, a permission. */
  static boolean ioFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof IOException || c instanceof UncheckedIOException || c instanceof FSError) {
        return true;
      }
    }
    return false;
  }

  /**
   * One line for a failed file operation: the operation and path that {@link FileOperationException} attaches, else the
   * outermost message (Tandem's own, which names what it was doing) with the innermost (the system's reason).
   */
  static String ioMessage(Throwable t) {
    String outer = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    String inner = null;
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof FileOperationException f) {
        return oneLine(f.getMessage());
      }
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        inner = c.getMessage();
      }
    }
    return oneLine(inner == null || outer.contains(inner) ? outer : outer + ": " + inner);
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s*\\R\\s*", " ");
  }

  /** Prints the code version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"tandem " + CodeVersion.get()};
    }
  }
}
