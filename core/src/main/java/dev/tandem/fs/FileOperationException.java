package dev.tandem.fs;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A file operation that failed, saying what was being done to which path: {@code cannot write
 * hdfs://nn/runs/r1/checkpoints/._tmp.ckpt-0000000120/model.zip: No space left on device}. Hadoop's own errors often
 * name neither (the local file system reports a full disk as an {@code FSError} holding only the OS message), so
 * {@link Fs} attaches both where the operation is started, and the message reads as one line for the user.
 */
public class FileOperationException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String operation;
  private final String path;
  private final String reason;

  /**
   * @param operation what was being done, as a verb: {@code write}, {@code create}, {@code rename}, ...
   * @param path      the file or directory it was done to (for a rename: {@code SRC to DST})
   * @param cause     the underlying failure; its message becomes the reason
   */
  public FileOperationException(String operation, String path, Throwable cause) {
    this(operation, path, reason(cause), cause);
  }

  private FileOperationException(String operation, String path, String reason, Throwable cause) {
    super("cannot " + operation + " " + path + ": " + reason, cause);
    this.operation = operation;
    this.path = path;
    this.reason = reason;
  }

  /** The operation that failed, e.g. {@code write}. */
  public String operation() {
    return operation;
  }

  /** The path it failed on. */
  public String path() {
    return path;
  }

  /** Why it failed, in the operating system's or file system's own words (without the path). */
  public String reason() {
    return reason;
  }

  /**
   * The same failure told of another path: a write that went to a temporary file is a failure to write the file the
   * caller asked for, which is the only one the user knows.
   */
  public FileOperationException about(String operation, String path) {
    return new FileOperationException(operation, path, reason, getCause());
  }

  /** java.io's "PATH (REASON)", e.g. "/proc/x (No such file or directory)". */
  private static final Pattern JAVA_IO = Pattern.compile("^\\S+ \\(([^()]+)\\)$");

  /** The innermost message of a failure chain: the operating system's or file system's own words. */
  static String reason(Throwable t) {
    String last = null;
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof FileOperationException f) {
        return f.reason(); // already stripped of its path
      }
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        last = c.getMessage();
      }
    }
    if (last == null) {
      return t.getClass().getSimpleName();
    }
    Matcher io = JAVA_IO.matcher(last);
    return io.matches() ? io.group(1) : last;
  }
}
