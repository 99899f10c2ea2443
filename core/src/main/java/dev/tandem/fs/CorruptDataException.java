package dev.tandem.fs;

/** A file Tandem wrote does not read back as written: truncated, altered, or of an unknown format version. */
public class CorruptDataException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String file;

  public CorruptDataException(String file, String reason) {
    super(file + ": " + reason);
    this.file = file;
  }

  public CorruptDataException(String file, String reason, Throwable cause) {
    super(file + ": " + reason, cause);
    this.file = file;
  }

  /** The damaged file (or directory), as the message names it. */
  public String file() {
    return file;
  }
}
