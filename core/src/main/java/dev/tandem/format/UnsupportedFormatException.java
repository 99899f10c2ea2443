package dev.tandem.format;

import dev.tandem.fs.CorruptDataException;

/**
 * A file written by a newer Tandem in a format version this build cannot read. It is not damaged: upgrading Tandem
 * reads it. A subclass of {@link CorruptDataException} so that callers which skip unreadable files (an older checkpoint
 * is used instead) treat it the same way.
 */
public final class UnsupportedFormatException extends CorruptDataException {
  private static final long serialVersionUID = 1L;
  private final int version;
  private final int newestReadable;

  /** {@code version} is the file's, {@code newestReadable} the newest this build reads. */
  public UnsupportedFormatException(String file, int version, int newestReadable) {
    super(file, "format " + version + " was written by a newer Tandem; this version reads formats up to " + newestReadable
        + " (upgrade Tandem to read it)");
    this.version = version;
    this.newestReadable = newestReadable;
  }

  /** The file's format version. */
  public int version() {
    return version;
  }

  /** The newest format version this build reads. */
  public int newestReadable() {
    return newestReadable;
  }
}
