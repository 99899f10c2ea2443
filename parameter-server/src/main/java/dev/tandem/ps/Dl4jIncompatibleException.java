package dev.tandem.ps;

/**
 * The DL4J on the class path is not the one Tandem's access to its internals was written for: a field Tandem reads or
 * writes is missing or has another type. The message names each field, what Tandem needs it for, and the versions.
 */
public final class Dl4jIncompatibleException extends StartupException {
  private static final long serialVersionUID = 1L;

  public Dl4jIncompatibleException(String message) {
    super(message);
  }
}
