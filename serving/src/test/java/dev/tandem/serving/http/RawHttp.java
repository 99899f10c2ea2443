package dev.tandem.serving.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what {@code java.net.http} will not send: malformed request targets, requests that
 * never finish, clients that vanish mid-answer.
 */
final class RawHttp {
  /** A parsed answer. */
  record Response(int status, Map<String, String> headers, String body) {}

  private RawHttp() {}

  static Socket connect(URI server) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(server.getHost(), server.getPort()), 5000);
    s.setSoTimeout(30_000);
    return s;
  }

  /** Sends {@code GET target} with {@code Connection: close} and reads the whole answer. */
  static Response get(URI server, String target) throws IOException {
    try (Socket s = connect(server)) {
      send(s, "GET " + target + " HTTP/1.1\r\nHost: " + server.getHost() + "\r\nConnection: close\r\n\r\n");
      return read(s.getInputStream());
    }
  }

  static void send(Socket s, String raw) throws IOException {
    s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  /** Reads one answer: status line, headers, and a body of Content-Length bytes (or up to the end of the stream). */
  static Response read(InputStream in) throws IOException {
    String status = line(in);
    if (status == null) {
      throw new IOException("the server closed the connection without an answer");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    byte[] body;
    if (headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
    } else {
      body = in.readAllBytes();
    }
    return new Response(Integer.parseInt(status.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }
}
