package dev.tandem.serving.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.format.Persisted;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the server answers to one request, before it is put on the wire: status, content type, body and any extra
 * headers. Errors are JSON {@code {"error": "...", "status": N}}; {@code close} asks for the connection to be closed
 * after this answer.
 */
record Answer(int status, String contentType, byte[] body, Map<String, String> headers, boolean close) {
  private static final ObjectMapper JSON = Persisted.json();

  static Answer json(int status, Object value) {
    try {
      return new Answer(status, "application/json", JSON.writeValueAsBytes(value), Map.of(), false);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Answer error(int status, String message) {
    return error(status, message, Map.of());
  }

  /** An error with more fields (e.g. the request field at fault). */
  static Answer error(int status, String message, Map<String, Object> extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message == null || message.isBlank() ? "error" : message);
    body.put("status", status);
    body.putAll(extra);
    return json(status, body);
  }

  /** A failure of the server: the client learns only an id, under which the detail is logged. */
  static Answer internalError(String id) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", "internal error");
    body.put("id", id);
    body.put("status", 500);
    return json(500, body);
  }

  Answer withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Answer(status, contentType, body, Map.copyOf(h), close);
  }

  Answer closing() {
    return new Answer(status, contentType, body, headers, true);
  }
}
