package dev.tandem.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps stdout for results: ND4J's SameDiff prints "Added differentiated op ..." to System.out whenever it builds a
 * gradient function (SameDiff.java, unconditionally). Those lines go to the debug log instead.
 */
final class QuietStdout extends PrintStream {
  private static final Logger LOG = LogManager.getLogger("org.nd4j.autodiff.samediff.SameDiff");
  private static final String NOISE = "Added differentiated op ";

  QuietStdout(PrintStream out) {
    super(out, true, StandardCharsets.UTF_8);
  }

  @Override
  public void println(String x) {
    if (x != null && x.startsWith(NOISE)) {
      LOG.debug(x);
      return;
    }
    super.println(x);
  }
}
