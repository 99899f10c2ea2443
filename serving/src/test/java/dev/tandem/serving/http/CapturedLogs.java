package dev.tandem.serving.http;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * What the server logs while a test runs: every event of the {@code dev.tandem.serving.http} logger and above WARN from
 * any other, with its level, message and whether it carries a stack trace. Close to stop capturing.
 */
final class CapturedLogs implements AutoCloseable {
  /** One log event as the test sees it. */
  record Event(Level level, String logger, String message, Throwable thrown) {}

  private final List<Event> events = new ArrayList<>();
  private final AbstractAppender appender;
  private final LoggerConfig httpLogger;

  CapturedLogs() {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration config = ctx.getConfiguration();
    appender = new AbstractAppender("captured-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent e) {
        synchronized (events) {
          events.add(new Event(e.getLevel(), e.getLoggerName(), e.getMessage().getFormattedMessage(), e.getThrown()));
        }
      }
    };
    appender.start();
    // a logger config of its own for the package under test, so DEBUG events are seen without changing other loggers
    httpLogger = new LoggerConfig("dev.tandem.serving.http", Level.DEBUG, true);
    httpLogger.addAppender(appender, Level.DEBUG, null);
    config.addLogger(httpLogger.getName(), httpLogger);
    config.getRootLogger().addAppender(appender, Level.WARN, null);
    ctx.updateLoggers();
  }

  List<Event> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  @Override
  public void close() {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration config = ctx.getConfiguration();
    config.getRootLogger().removeAppender(appender.getName());
    config.removeLogger(httpLogger.getName());
    ctx.updateLoggers();
    appender.stop();
  }
}
