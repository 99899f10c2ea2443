package dev.tandem.cli;

import dev.tandem.progress.Progress;
import java.io.PrintStream;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Renders {@link Progress} as a terminal progress bar (rate and ETA) on stderr. Without a terminal (CI logs, pipes)
 * it prints one line per finished task instead of redrawing a bar.
 */
final class ConsoleProgress implements Progress {
  private final PrintStream err;
  private final boolean interactive;

  ConsoleProgress(PrintStream err) {
    this.err = err;
    this.interactive = System.console() != null || "1".equals(System.getenv("TANDEM_PROGRESS"));
  }

  @Override
  public Task start(String name, long total, String unit) {
    long started = System.nanoTime();
    boolean bytes = "B".equals(unit);
    ProgressBar bar = null;
    if (interactive) {
      ProgressBarBuilder b = new ProgressBarBuilder()
          .setTaskName(name)
          .setInitialMax(total < 0 ? -1 : (bytes ? Math.max(1, total >> 20) : total))
          .setStyle(ProgressBarStyle.ASCII)
          .setUpdateIntervalMillis(250)
          .setMaxRenderedLength(110)
          .setSpeedUnit(ChronoUnit.SECONDS)
          .showSpeed()
          .setEtaFunction(state -> Optional.of(eta(state.getElapsedAfterStart(), state.getCurrent(), state.getMax())))
          .setConsumer(new ConsoleProgressBarConsumer(err));
      b.setUnit(bytes ? " MB" : " " + unit, 1);
      bar = b.build();
    }
    final ProgressBar pb = bar;
    return new Task() {
      private long done;
      private long pendingBytes;

      @Override
      public void advance(long units) {
        done += units;
        if (pb != null) {
          if (bytes) {
            pendingBytes += units;
            if (pendingBytes >= 1 << 20) {
              pb.stepBy(pendingBytes >> 20);
              pendingBytes &= (1 << 20) - 1;
            }
          } else {
            pb.stepBy(units);
          }
        }
      }

      @Override
      public void status(String text) {
        if (pb != null) {
          pb.setExtraMessage(text);
        }
      }

      @Override
      public void close() {
        if (pb != null) {
          pb.close();
        } else {
          double s = (System.nanoTime() - started) / 1e9;
          String amount = bytes ? String.format("%.1f MB", done / 1048576.0) : String.format("%,d %s", done, unit);
          String rate = s > 0 ? (bytes ? String.format("%.1f MB/s", done / 1048576.0 / s) : String.format("%,.0f %s/s", done / s, unit)) : "";
          err.printf("%s: %s in %.1f s (%s)%n", name, amount, s, rate);
        }
      }
    };
  }

  private static Duration eta(Duration elapsed, long current, long max) {
    if (current <= 0 || max <= 0) {
      return Duration.ZERO;
    }
    return Duration.ofMillis((long) (elapsed.toMillis() * (double) (max - current) / current));
  }
}
