package dev.tandem.cli;

import dev.tandem.progress.Progress;
import java.io.File;

/** Shared pieces of the CLI: progress rendering and the default working directory. */
final class Context {
  private Context() {}

  static Progress progress() {
    return new ConsoleProgress(System.err);
  }

  /** Where Tandem keeps generated data and caches unless told otherwise: $TANDEM_HOME or ./tandem-work. */
  static String home() {
    String env = System.getenv("TANDEM_HOME");
    return env != null && !env.isBlank() ? env : new File("tandem-work").getAbsolutePath();
  }
}
