package dev.tandem.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.tandem.fs.Fs;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * Loads YAML configuration into immutable records, the one place where configuration is parsed and validated.
 *
 * <p>Keys are snake_case; unknown keys, wrong types and failed checks all raise {@link ConfigException} naming the
 * dotted key (e.g. {@code dataset.features[2].kind}). Overrides of the form {@code key=value} (the CLI's
 * {@code --set}) are applied to the YAML tree before binding, so they are validated exactly like the file.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)));

  private ConfigLoader() {}

  private static ObjectMapper configure(ObjectMapper m) {
    m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    m.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    m.configure(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS, true);
    m.findAndRegisterModules();
    m.registerModule(new ConfigEnumModule());
    return m;
  }

  /**
   * The mapper used for configuration YAML (snake_case, strict: an unknown key is an error). Files Tandem persists go
   * through {@link dev.tandem.format.Persisted} instead, which tolerates fields added by newer versions.
   */
  public static ObjectMapper yaml() {
    return YAML;
  }


  /** A loaded configuration: the bound value, the tree it came from (after overrides) and its source. */
  public record Loaded<T>(T value, JsonNode tree, String source, String baseDir) {
    /** The configuration as canonical YAML (what was actually used, overrides included). */
    public String toYaml() {
      try {
        return YAML.writeValueAsString(tree);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Reads {@code location} (a path or any Hadoop FileSystem URI), applies {@code overrides}, binds to {@code type}. */
  public static <T> Loaded<T> load(String location, Class<T> type, List<String> overrides) {
    Path path = Fs.path(location);
    String text;
    try (InputStream in = Fs.open(path)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (FileNotFoundException e) {
      throw new ConfigException("", "config file not found: " + location);
    } catch (IOException e) {
      throw new ConfigException("", "cannot read config file " + location + ": " + e.getMessage(), e);
    }
    Path parent = path.getParent();
    return parse(text, location, parent == null ? "." : parent.toString(), type, overrides);
  }

  /** Parses YAML text; {@code source} names it in error messages, {@code baseDir} anchors relative paths. */
  public static <T> Loaded<T> parse(String text, String source, String baseDir, Class<T> type, List<String> overrides) {
    JsonNode tree;
    try {
      tree = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      String where = loc == null ? source : source + ":" + loc.getLineNr() + ":" + loc.getColumnNr();
      throw new ConfigException("", "invalid YAML in " + where + ": " + e.getOriginalMessage(), e);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      tree = YAML.createObjectNode();
    }
    if (!tree.isObject()) {
      throw new ConfigException("", source + ": the top level must be a mapping of keys to values");
    }
    for (String o : overrides == null ? List.<String>of() : overrides) {
      applyOverride((ObjectNode) tree, o);
    }
    return new Loaded<>(bind(tree, type, source), tree, source, baseDir);
  }

  /** Binds a tree to a record type, translating every Jackson failure into a {@link ConfigException}. */
  public static <T> T bind(JsonNode tree, Class<T> type, String source) {
    try {
      return YAML.treeToValue(tree, type);
    } catch (JsonProcessingException e) {
      throw translate(e, source);
    } catch (IllegalArgumentException e) {
      if (e.getCause() instanceof JsonProcessingException jpe) {
        throw translate(jpe, source);
      }
      throw e;
    }
  }

  static ConfigException translate(JsonProcessingException e, String source) {
    String prefix = source == null ? "" : source + ": ";
    if (!(e instanceof JsonMappingException jme)) {
      return new ConfigException("", prefix + e.getOriginalMessage(), e);
    }
    String path = pathOf(jme.getPath());
    if (jme instanceof UnrecognizedPropertyException upe) {
      String key = path;
      String hint = suggestion(upe.getPropertyName(), upe.getKnownPropertyIds());
      return new ConfigException(key, prefix + "unknown key" + hint + "; allowed keys here: " + sorted(upe.getKnownPropertyIds()));
    }
    if (jme instanceof InvalidTypeIdException tie) {
      return new ConfigException(path, prefix + "unknown type '" + tie.getTypeId() + "'" + typeIdHint(tie.getOriginalMessage()), e);
    }
    if (jme instanceof ValueInstantiationException vie) {
      Throwable cause = vie.getCause();
      while (cause != null && !(cause instanceof ConfigException) && cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      if (cause instanceof ConfigException ce) {
        ConfigException moved = ce.under(path);
        return source == null ? moved : new ConfigException(moved.key(), prefix + stripKey(moved), moved);
      }
      String msg = cause == null ? vie.getOriginalMessage() : cause.getMessage();
      return new ConfigException(path, prefix + msg, e);
    }
    if (jme instanceof InvalidFormatException ife) {
      Class<?> target = ife.getTargetType();
      String expected = target == null ? "a valid value" : describe(target);
      return new ConfigException(path, prefix + "'" + ife.getValue() + "' is not " + expected, e);
    }
    if (jme instanceof MismatchedInputException mie) {
      Class<?> target = mie.getTargetType();
      String expected = target == null ? "a different type" : describe(target);
      return new ConfigException(path, prefix + "wrong type: expected " + expected, e);
    }
    if (jme.getCause() instanceof ConfigException ce) {
      return ce.under(path);
    }
    return new ConfigException(path, prefix + jme.getOriginalMessage(), e);
  }

  private static String stripKey(ConfigException ce) {
    String m = ce.getMessage();
    return m.startsWith(ce.key() + ": ") ? m.substring(ce.key().length() + 2) : m;
  }

  private static String typeIdHint(String original) {
    Matcher m = Pattern.compile("known type ids = \\[([^\\]]*)\\]").matcher(original == null ? "" : original);
    return m.find() ? "; known types: [" + m.group(1) + "]" : "";
  }

  private static String describe(Class<?> t) {
    if (t.isEnum()) {
      List<String> names = new ArrayList<>();
      for (Object c : t.getEnumConstants()) {
        names.add(c.toString().toLowerCase(Locale.ROOT));
      }
      return "one of " + names;
    }
    if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
      return "an integer";
    }
    if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
      return "a number";
    }
    if (t == boolean.class || t == Boolean.class) {
      return "true or false";
    }
    if (t == String.class) {
      return "a string";
    }
    if (List.class.isAssignableFrom(t) || t.isArray()) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(t) || t.isRecord()) {
      return "a mapping (key: value)";
    }
    return "a " + t.getSimpleName();
  }

  static String pathOf(List<JsonMappingException.Reference> refs) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static List<String> sorted(Collection<Object> ids) {
    List<String> out = new ArrayList<>();
    for (Object o : ids) {
      out.add(String.valueOf(o));
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  private static String suggestion(String name, Collection<Object> known) {
    String best = null;
    int bestDist = Integer.MAX_VALUE;
    for (Object k : known) {
      int d = levenshtein(name, String.valueOf(k));
      if (d < bestDist) {
        bestDist = d;
        best = String.valueOf(k);
      }
    }
    return best != null && bestDist <= Math.max(2, name.length() / 3) ? " (did you mean '" + best + "'?)" : "";
  }

  static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static final Pattern SEGMENT = Pattern.compile("([A-Za-z0-9_\\-]+)((?:\\[\\d+\\])*)");

  /**
   * Applies one {@code dotted.key=value} override. The value is parsed as YAML, so {@code 0.5}, {@code true},
   * {@code [1, 2]} and {@code {a: 1}} all keep their types. Missing intermediate mappings are created; whether the
   * key is allowed is decided by binding, which names it if not.
   */
  public static void applyOverride(ObjectNode root, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("", "override '" + override + "' must have the form key=value (e.g. train.epochs=5)");
    }
    String key = override.substring(0, eq).trim();
    String raw = override.substring(eq + 1);
    JsonNode value;
    try {
      value = raw.isEmpty() ? YAML.getNodeFactory().textNode("") : YAML.readTree(raw);
      if (value == null || value.isMissingNode()) {
        value = YAML.getNodeFactory().nullNode();
      }
    } catch (JsonProcessingException e) {
      value = YAML.getNodeFactory().textNode(raw);
    }
    String[] parts = key.split("\\.");
    JsonNode node = root;
    for (int p = 0; p < parts.length; p++) {
      Matcher m = SEGMENT.matcher(parts[p]);
      if (!m.matches()) {
        throw new ConfigException(key, "override key is not a dotted path of names and [index]es");
      }
      String name = m.group(1);
      List<Integer> indexes = new ArrayList<>();
      Matcher im = Pattern.compile("\\[(\\d+)\\]").matcher(m.group(2));
      while (im.find()) {
        indexes.add(Integer.parseInt(im.group(1)));
      }
      boolean last = p == parts.length - 1;
      if (!(node instanceof ObjectNode obj)) {
        throw new ConfigException(key, "cannot set '" + name + "': its parent is not a mapping");
      }
      if (indexes.isEmpty()) {
        if (last) {
          obj.set(name, value);
          return;
        }
        JsonNode child = obj.get(name);
        if (child == null || child.isNull()) {
          child = obj.putObject(name);
        }
        node = child;
      } else {
        JsonNode child = obj.get(name);
        for (int k = 0; k < indexes.size(); k++) {
          int idx = indexes.get(k);
          if (!(child instanceof ArrayNode arr) || idx >= arr.size()) {
            throw new ConfigException(key, "no element [" + idx + "] to override (the list has "
                + (child instanceof ArrayNode a ? a.size() : 0) + " elements)");
          }
          if (last && k == indexes.size() - 1) {
            arr.set(idx, value);
            return;
          }
          child = arr.get(idx);
        }
        node = child;
      }
    }
  }

  /** Dotted keys of all leaves of a tree, for hashing and diffing configurations. */
  public static Map<String, String> flatten(JsonNode tree) {
    Map<String, String> out = new TreeMap<>();
    flatten("", tree, out);
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        flatten(prefix + "[" + i + "]", node.get(i), out);
      }
    } else {
      out.put(prefix, node.asText());
    }
  }
}
