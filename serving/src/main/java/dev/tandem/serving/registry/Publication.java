package dev.tandem.serving.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/** What an exporter hands {@link ModelRegistry#publish}: it writes a version's files and describes them. */
@FunctionalInterface
public interface Publication {

  /**
   * Writes every file of the version into {@code staging} (a fresh, private directory the registry owns and renames
   * into place, or removes if this throws) and describes them. Called once per publication, on the publishing thread.
   *
   * @throws IOException to abandon the publication; {@link ModelRegistry#publish} reports it with the registry's location
   */
  Contents write(Path staging) throws IOException;

  /**
   * The manifest fields only the exporter knows; the registry adds name, version, time, parent and checksums.
   *
   * @param parent the version this one replaces; null lets the registry choose (see {@link ModelRegistry#publish})
   */
  record Contents(Map<String, VersionManifest.ModelEntry> models, VersionManifest.DatasetEntry dataset, JsonNode serving,
      Integer parent) {}
}
