package dev.tandem.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.format.Persisted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes a persisted file look as if a newer Tandem wrote it: a top-level field this version does not know, added to the
 * JSON object in place. Tests use it to show that every kind of file Tandem persists still reads.
 */
public final class NewerFiles {
  /** The field added; its value is an object, the hardest shape for a reader that does not expect it. */
  public static final String FIELD = "added_by_a_newer_tandem";

  private NewerFiles() {}

  /** Adds {@link #FIELD} to the JSON object in {@code file}; returns the new bytes. */
  public static byte[] addUnknownField(Path file) throws IOException {
    byte[] out = addUnknownField(Files.readAllBytes(file));
    Files.write(file, out);
    return out;
  }

  /** {@code json} (an object) with {@link #FIELD} added at the top level. */
  public static byte[] addUnknownField(byte[] json) throws IOException {
    JsonNode tree = Persisted.json().readTree(json);
    if (!(tree instanceof ObjectNode obj)) {
      throw new IllegalArgumentException("not a JSON object");
    }
    obj.putObject(FIELD).put("reason", "a field added by a later version").putArray("values").add(1).add(2);
    return Persisted.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(obj);
  }
}
