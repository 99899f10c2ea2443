package dev.tandem.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.config.ConfigEnumModule;
import dev.tandem.fs.CorruptDataException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * How every file Tandem persists (manifests, summaries, checkpoints' metadata, run state, registry manifests and alias
 * logs, sweep state, model specs) is written and read, so that files outlive the version that wrote them.
 *
 * <ul>
 *   <li>Written: JSON with snake_case keys and a top-level {@code "format"} number, the version of that kind of file.
 *       A kind's version goes up only when an older reader would misread the file; adding a field does not.
 *   <li>Read: fields this version does not know are ignored (a newer Tandem may have added them); a file whose
 *       {@code format} is newer than the reader's is refused naming the file, and one without {@code format}
 *       (written before formats were recorded) is read as version 1.
 * </ul>
 *
 * <p>User configuration is the opposite case and stays strict ({@code ConfigLoader}): an unknown key there is a typo.
 */
public final class Persisted {
  /** The top-level key holding a file's format version. */
  public static final String FORMAT_KEY = "format";

  private static final ObjectMapper JSON = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .addModule(new ConfigEnumModule())
      .build(); // no module discovery: Spark's class path brings Jackson's Scala module, which changes untyped values

  private Persisted() {}

  /** The tolerant mapper behind this class, for trees and for streams of records (e.g. JSON lines). */
  public static ObjectMapper json() {
    return JSON;
  }

  /**
   * The file's bytes: {@code value} as pretty-printed JSON with {@code "format": version} as its first key (replacing
   * a {@code format} field of the value itself).
   */
  public static byte[] write(Object value, int version) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(stamped(value, version));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }

  /** {@code value} as a JSON object whose first key is {@code "format": version}. */
  public static ObjectNode stamped(Object value, int version) {
    JsonNode tree = JSON.valueToTree(value);
    if (!(tree instanceof ObjectNode body)) {
      throw new IllegalArgumentException("a persisted file must be a JSON object, not " + tree.getNodeType());
    }
    ObjectNode out = JSON.createObjectNode();
    out.put(FORMAT_KEY, version);
    body.fields().forEachRemaining(e -> {
      if (!e.getKey().equals(FORMAT_KEY)) {
        out.set(e.getKey(), e.getValue());
      }
    });
    return out;
  }

  /**
   * Reads a file written by {@link #write}.
   *
   * @param file names the file in errors
   * @param newestVersion the newest format version of this kind that this build reads
   * @throws CorruptDataException naming the file when it is not JSON of that shape
   * @throws UnsupportedFormatException when a newer Tandem wrote it in a format this build does not know
   */
  public static <T> T read(byte[] bytes, Class<T> type, int newestVersion, String file) {
    return read(bytes, JSON.constructType(type), newestVersion, file);
  }

  /** As {@link #read(byte[], Class, int, String)}, for generic types. */
  public static <T> T read(byte[] bytes, TypeReference<T> type, int newestVersion, String file) {
    return read(bytes, JSON.constructType(type), newestVersion, file);
  }

  private static <T> T read(byte[] bytes, JavaType type, int newestVersion, String file) {
    JsonNode tree = readTree(bytes, newestVersion, file);
    try {
      return JSON.treeToValue(tree, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new CorruptDataException(file, "does not read as " + type.getRawClass().getSimpleName() + ": " + message(e), e);
    }
  }

  /**
   * The file as a tree, after checking its format version.
   *
   * @throws CorruptDataException naming the file when it is not a JSON object
   * @throws UnsupportedFormatException when its format is newer than {@code newestVersion}
   */
  public static JsonNode readTree(byte[] bytes, int newestVersion, String file) {
    JsonNode tree;
    try {
      tree = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new CorruptDataException(file, "not valid JSON: " + message(e), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new CorruptDataException(file, "not a JSON object");
    }
    int version = versionOf(tree, file);
    if (version > newestVersion) {
      throw new UnsupportedFormatException(file, version, newestVersion);
    }
    return tree;
  }

  /** The {@code format} of a file's tree: 1 when absent (files written before formats were recorded). */
  public static int versionOf(JsonNode tree, String file) {
    JsonNode f = tree.get(FORMAT_KEY);
    if (f == null || f.isNull()) {
      return 1;
    }
    if (!f.canConvertToInt() || !f.isIntegralNumber()) {
      throw new CorruptDataException(file, "'format' must be a whole number, was " + f);
    }
    return f.intValue();
  }

  /** Serialises any value with the tolerant mapper (for JSON lines and HTTP bodies, which carry no format). */
  public static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String message(Exception e) {
    return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
  }
}
