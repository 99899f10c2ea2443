package dev.tandem.datasets.text;

import java.util.List;

/** Raw input that cannot be used: too many malformed rows, or a file that is missing or unreadable. */
public final class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<RowError> errors;

  public BadInputException(String message, List<RowError> errors) {
    super(message);
    this.errors = List.copyOf(errors);
  }

  public BadInputException(String message) {
    this(message, List.of());
  }

  /** The rejected rows that led here (the first ones, at most a few dozen). */
  public List<RowError> errors() {
    return errors;
  }
}
