package dev.tandem.config;

/**
 * A configuration problem, always tied to the key (a dotted path such as {@code dataset.split.train}) or the
 * file that caused it, so the user knows exactly what to edit.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String key;

  public ConfigException(String key, String message) {
    super(key == null || key.isEmpty() ? message : key + ": " + message);
    this.key = key == null ? "" : key;
  }

  public ConfigException(String key, String message, Throwable cause) {
    super(key == null || key.isEmpty() ? message : key + ": " + message, cause);
    this.key = key == null ? "" : key;
  }

  /** The dotted key path the problem is about; empty for file-level problems. */
  public String key() {
    return key;
  }

  /** A copy of this exception with {@code prefix} prepended to the key path. */
  public ConfigException under(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return this;
    }
    String joined = key.isEmpty() ? prefix : (key.startsWith("[") ? prefix + key : prefix + "." + key);
    String bare = getMessage().startsWith(key + ": ") ? getMessage().substring(key.length() + 2) : getMessage();
    ConfigException e = new ConfigException(joined, bare, getCause());
    e.setStackTrace(getStackTrace());
    return e;
  }
}
