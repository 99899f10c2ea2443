package dev.tandem.serving.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameters of a raw query string ({@code a=1&b=x%20y}), decoded. Malformed input is refused with an
 * {@link IllegalArgumentException} whose message names the parameter, quotes what was sent and says what is wrong, so
 * the client gets a 400 it can act on rather than a guess: a parameter given twice, a '%' not followed by two
 * hexadecimal digits, or a '%' cut off at the end.
 */
final class QueryString {
  private QueryString() {}

  static Map<String, String> parse(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String rawName = eq < 0 ? part : part.substring(0, eq);
      String name = decode(rawName, "a parameter name");
      String value = eq < 0 ? "" : decode(part.substring(eq + 1), "parameter '" + name + "'");
      if (out.put(name, value) != null) {
        throw new IllegalArgumentException("parameter '" + name + "' is given more than once");
      }
    }
    return out;
  }

  /** Decodes one component ('+' is a space, as in HTML forms), after checking every escape. */
  private static String decode(String s, String what) {
    for (int i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 3)) {
      if (i + 2 >= s.length()) {
        throw new IllegalArgumentException("malformed percent-encoding in " + what + ": '" + s + "' ends with an incomplete escape '"
            + s.substring(i) + "' (a '%' must be followed by two hexadecimal digits)");
      }
      if (!hex(s.charAt(i + 1)) || !hex(s.charAt(i + 2))) {
        throw new IllegalArgumentException("malformed percent-encoding in " + what + ": '" + s + "' has '" + s.substring(i, i + 3)
            + "' (a '%' must be followed by two hexadecimal digits)");
      }
    }
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static boolean hex(char c) {
    return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
  }
}
