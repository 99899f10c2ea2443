package dev.tandem.datasets.text;

import java.util.Arrays;

/**
 * Walks the records of a run of whole lines. A record is one line, except where a quoted field holds a line break.
 * Tandem does not accept such fields, but it counts one as ONE bad row, at the line where it starts, and does not take
 * its continuation lines for rows of their own.
 *
 * <p>A line whose quote is not closed on it is read on only if the quote closes within {@value #MAX_LINES} lines and
 * the record then has the expected number of fields; otherwise that line alone is the bad row (a stray quote must not
 * swallow the good rows after it). Chunks are cut at line breaks without knowing about quotes, so a record may still
 * be open where a chunk ends: {@link #walk} then hands back its start as a {@link Tail}, and the caller walks it again
 * joined with the next chunk ({@link Tail#join}). Walking a file chunk by chunk thus sees the same records as walking
 * it whole.
 */
public final class Records {
  /** How many lines a quoted field may run over before its quote is taken as simply not closed. */
  public static final int MAX_LINES = 1000;

  private Records() {}

  /** Receives the records of a walk. */
  public interface Visitor {
    /** A record on one line, {@code b[from, to)} without its line break, already split into {@code count} fields. */
    void record(Fields fields, int count, byte[] b, int from, int to, long line);

    /**
     * A record that cannot be split ({@link RejectReason#UNTERMINATED_QUOTE} or {@link RejectReason#MULTILINE_FIELD});
     * {@code b[from, to)} is the line it starts on.
     */
    void malformed(RejectReason reason, String detail, byte[] b, int from, int to, long line);
  }

  /** The start of a record still open at the end of a chunk: {@code bytes} from there on, and its line number. */
  public record Tail(byte[] bytes, long line, int lines) {
    /** This tail followed by {@code next}: the chunk to walk instead of {@code next}. */
    public LineChunks.Chunk join(LineChunks.Chunk next) {
      if (next == null) {
        return new LineChunks.Chunk(bytes, bytes.length, line, lines);
      }
      byte[] b = Arrays.copyOf(bytes, bytes.length + next.length());
      System.arraycopy(next.data(), 0, b, bytes.length, next.length());
      return new LineChunks.Chunk(b, b.length, line, lines + next.lines());
    }
  }

  /**
   * Walks the records of {@code b[from, to)}, whose first line is line {@code line}; blank lines are skipped.
   *
   * @param last  true if nothing follows {@code to} in this file (a quote still open there is then just not closed)
   * @param width the number of fields a record should have
   * @return null, or the record left open at {@code to} (not visited): join it with the next chunk and walk again
   */
  public static Tail walk(byte[] b, int from, int to, long line, boolean last, Fields f, int width, Visitor v) {
    int s = from;
    while (s < to) {
      int e = s;
      while (e < to && b[e] != '\n') {
        e++;
      }
      int end = e > s && b[e - 1] == '\r' ? e - 1 : e;
      if (end == s) {
        s = e + 1;
        line++;
        continue;
      }
      int n = f.split(b, s, end);
      if (n >= 0) {
        v.record(f, n, b, s, end, line);
        s = e + 1;
        line++;
        continue;
      }
      Span span = span(b, s, to, f.delimiter());
      if (span.closed && span.fields == width) {
        long lastLine = line + span.breaks;
        v.malformed(RejectReason.MULTILINE_FIELD, "a quoted field runs over lines " + line + "-" + lastLine
            + " (line breaks inside quoted fields are not supported)", b, s, end, line);
        s = span.end + 1;
        line = lastLine + 1;
        continue;
      }
      if (span.open && !last) {
        return new Tail(Arrays.copyOfRange(b, s, to), line, span.breaks + 1);
      }
      v.malformed(RejectReason.UNTERMINATED_QUOTE, "a quoted field is not closed on its line", b, s, end, line);
      s = e + 1;
      line++;
    }
    return null;
  }

  /**
   * How a record starting at {@code s} extends when quoted fields may hold line breaks (quotes are special only at
   * the start of a field, as in {@link Fields#split}).
   *
   * @param end    the line break ending the record (or {@code to})
   * @param breaks line breaks inside quoted fields
   * @param closed the record ended within {@link #MAX_LINES} lines
   * @param open   a quoted field was still open at {@code to}, within {@link #MAX_LINES} lines
   */
  private record Span(int end, int breaks, int fields, boolean closed, boolean open) {}

  private static Span span(byte[] b, int s, int to, byte delimiter) {
    final int fieldStart = 0;
    final int unquoted = 1;
    final int quoted = 2;
    final int quoteSeen = 3; // a quote inside a quoted field: closes it, unless doubled
    final int afterQuote = 4; // bytes between a closing quote and the delimiter are ignored
    int state = fieldStart;
    int breaks = 0;
    int fields = 1;
    for (int i = s; i < to; i++) {
      byte c = b[i];
      switch (state) {
        case fieldStart -> state = c == '"' ? quoted : c == delimiter ? fieldStart : c == '\n' ? -1 : unquoted;
        case unquoted, afterQuote -> state = c == delimiter ? fieldStart : c == '\n' ? -1 : state;
        case quoted -> {
          if (c == '"') {
            state = quoteSeen;
          } else if (c == '\n' && ++breaks > MAX_LINES) {
            return new Span(i, breaks, fields, false, false);
          }
        }
        default -> state = c == '"' ? quoted : c == delimiter ? fieldStart : c == '\n' ? -1 : afterQuote; // quoteSeen
      }
      if (state == -1) {
        return new Span(i, breaks, fields, true, false);
      }
      if (state == fieldStart && c == delimiter) {
        fields++;
      }
    }
    boolean open = state == quoted;
    return new Span(to, breaks, fields, !open, open);
  }
}
