package dev.tandem.datasets.text;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Cuts a stream into chunks of whole lines (a few MB each), remembering the line number each chunk starts at, so that
 * chunks can be parsed in parallel and errors still name the exact line. Strips a UTF-8 byte order mark.
 */
public final class LineChunks {
  /** A run of complete lines: {@code data[0, length)}, whose first line is line {@code firstLine} (1-based). */
  public record Chunk(byte[] data, int length, long firstLine, int lines) {}

  private final InputStream in;
  private final int chunkSize;
  private byte[] carry = new byte[0];
  private int carryLen;
  private long nextLine = 1;
  private boolean eof;
  private boolean first = true;

  public LineChunks(InputStream in, int chunkSize) {
    this.in = in;
    this.chunkSize = chunkSize;
  }

  /** The next chunk, or null at the end of the stream. */
  public Chunk next() throws IOException {
    if (eof && carryLen == 0) {
      return null;
    }
    byte[] buf = new byte[Math.max(chunkSize, carryLen * 2)];
    System.arraycopy(carry, 0, buf, 0, carryLen);
    int len = carryLen;
    carryLen = 0;
    int lastNl = -1;
    while (true) {
      while (!eof && len < buf.length) {
        int r = in.read(buf, len, buf.length - len);
        if (r < 0) {
          eof = true;
        } else {
          len += r;
        }
      }
      lastNl = lastIndexOf(buf, len, (byte) '\n');
      if (lastNl >= 0 || eof) {
        break;
      }
      buf = Arrays.copyOf(buf, buf.length * 2); // a line longer than the chunk: grow
    }
    int start = 0;
    if (first) {
      first = false;
      if (len >= 3 && (buf[0] & 0xff) == 0xEF && (buf[1] & 0xff) == 0xBB && (buf[2] & 0xff) == 0xBF) {
        start = 3;
      }
    }
    int end = eof && (lastNl < 0 || lastNl < len - 1) ? len : lastNl + 1;
    if (end < len) {
      carry = Arrays.copyOfRange(buf, end, len);
      carryLen = carry.length;
    }
    if (start > 0) {
      buf = Arrays.copyOfRange(buf, start, end);
      end -= start;
    }
    if (end == 0) {
      return eof && carryLen == 0 ? null : next();
    }
    int lines = countLines(buf, end);
    Chunk c = new Chunk(buf, end, nextLine, lines);
    nextLine += lines;
    return c;
  }

  private static int lastIndexOf(byte[] b, int len, byte v) {
    for (int i = len - 1; i >= 0; i--) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }

  private static int countLines(byte[] b, int len) {
    int n = 0;
    for (int i = 0; i < len; i++) {
      if (b[i] == '\n') {
        n++;
      }
    }
    return len > 0 && b[len - 1] != '\n' ? n + 1 : n;
  }

  /** Calls {@code visitor} for each line of a chunk with the line's bounds (line break and a trailing CR removed). */
  public static void forEachLine(Chunk c, LineVisitor visitor) {
    byte[] b = c.data();
    int len = c.length();
    int s = 0;
    long line = c.firstLine();
    while (s < len) {
      int e = s;
      while (e < len && b[e] != '\n') {
        e++;
      }
      int end = e > s && b[e - 1] == '\r' ? e - 1 : e;
      if (!visitor.line(b, s, end, line)) {
        return;
      }
      line++;
      s = e + 1;
    }
  }

  /** Receives lines; returns false to stop. */
  @FunctionalInterface
  public interface LineVisitor {
    /**
     * One line: bytes {@code [from, to)} of {@code b} (without the line end), valid only during the call.
     *
     * @param lineNumber 1-based, in the file
     * @return false to stop reading
     */
    boolean line(byte[] b, int from, int to, long lineNumber);
  }
}
