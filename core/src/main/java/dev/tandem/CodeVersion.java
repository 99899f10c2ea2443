package dev.tandem;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of Tandem that is running: release version plus git commit (and "-dirty" for uncommitted changes). */
public final class CodeVersion {
  private static final String VERSION = load();

  private CodeVersion() {}

  /** The version, e.g. {@code 0.1.0-SNAPSHOT+3f2a1bc-dirty}, or {@code unknown} when the build did not record it. */
  public static String get() {
    return VERSION;
  }

  private static String load() {
    Properties p = new Properties();
    try (InputStream in = CodeVersion.class.getResourceAsStream("/tandem-git.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through: an unknown version is reported as such
    }
    String version = p.getProperty("git.build.version", "unknown");
    String commit = p.getProperty("git.commit.id.abbrev", "");
    String dirty = "true".equals(p.getProperty("git.dirty")) ? "-dirty" : "";
    return commit.isEmpty() || commit.startsWith("$") ? version : version + "+" + commit + dirty;
  }
}
