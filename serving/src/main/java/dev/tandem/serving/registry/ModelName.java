package dev.tandem.serving.registry;

import java.util.regex.Pattern;

/**
 * Validation of the names a registry turns into directories: model names, aliases and version references. A name
 * can never climb out of the registry ({@code ..}, slashes), hide itself (a leading dot) or collide with the
 * registry's own entries.
 */
public final class ModelName {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Pattern ALIAS = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  private static final Pattern VERSION = Pattern.compile("v?([0-9]{1,9})");

  private ModelName() {}

  /** Returns {@code name} if it is a valid model name, else throws {@link IllegalArgumentException} saying why. */
  public static String check(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a model name is required");
    }
    if (!NAME.matcher(name).matches() || name.contains("..") || name.endsWith(".")) {
      throw new IllegalArgumentException("invalid model name '" + printable(name) + "': use 1-64 letters, digits, '_', '-' or '.',"
          + " starting with a letter or digit (no '/', no '..')");
    }
    return name;
  }

  /** Returns {@code alias} if it is a valid alias name (e.g. staging, production). */
  public static String checkAlias(String alias) {
    if (alias == null || !ALIAS.matcher(alias).matches() || alias.matches("v[0-9]+") || alias.equals("latest")) {
      throw new IllegalArgumentException("invalid alias '" + printable(alias) + "': use 1-32 lower-case letters, digits, '_' or '-',"
          + " starting with a letter; 'latest' and v<N> are reserved");
    }
    return alias;
  }

  /** True for version references such as {@code v7} or {@code 7}. */
  public static boolean isVersion(String ref) {
    return ref != null && VERSION.matcher(ref).matches();
  }

  /** The number of a version reference such as {@code v7}. */
  public static int versionNumber(String ref) {
    var m = VERSION.matcher(ref == null ? "" : ref);
    if (!m.matches() || Integer.parseInt(m.group(1)) < 1) {
      throw new IllegalArgumentException("invalid version '" + printable(ref) + "': expected v<N> with N >= 1");
    }
    return Integer.parseInt(m.group(1));
  }

  /** The directory name of a version. */
  public static String versionDir(int version) {
    return "v" + version;
  }

  // an error message should not echo control characters back to a terminal
  private static String printable(String s) {
    return s == null ? "" : s.replaceAll("\\p{Cntrl}", "?");
  }
}
