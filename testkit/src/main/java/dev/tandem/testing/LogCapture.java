package dev.tandem.testing;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Records what a logger (and its children) logs while open, so a test can check that a warning was given and what it
 * said. Try-with-resources: closing detaches it.
 */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final Appender appender = new Appender();

  /** Starts capturing the messages of {@code loggerName} (e.g. {@code dev.tandem}) at every level it logs. */
  public LogCapture(String loggerName) {
    this.logger = (Logger) LogManager.getLogger(loggerName);
    appender.start();
    logger.addAppender(appender);
  }

  /** The formatted messages logged at {@code level} so far, oldest first. */
  public List<String> messages(Level level) {
    synchronized (appender.events) {
      return appender.events.stream().filter(e -> e.level == level).map(e -> e.message).toList();
    }
  }

  @Override
  public void close() {
    logger.removeAppender(appender);
    appender.stop();
  }

  private record Event(Level level, String message) {}

  private static final class Appender extends AbstractAppender {
    final List<Event> events = new ArrayList<>();

    Appender() {
      super("capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {
      synchronized (events) {
        events.add(new Event(event.getLevel(), event.getMessage().getFormattedMessage()));
      }
    }
  }
}
