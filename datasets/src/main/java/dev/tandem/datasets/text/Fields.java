package dev.tandem.datasets.text;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits one line of delimited text into fields without copying, RFC 4180 style: a field may be quoted with
 * {@code "}, and then contain the delimiter and doubled quotes (a quoted field cannot span lines). Values are decoded
 * only when asked for, which keeps the hot loop free of allocation for columns nobody uses.
 */
public final class Fields {
  private static final byte QUOTE = '"';
  private final byte delimiter;
  private final Charset charset;
  private final boolean ascii;
  private int[] starts = new int[16];
  private int[] ends = new int[16];
  private boolean[] quoted = new boolean[16];
  private byte[] buf;
  private int count;
  private CharsetDecoder strict;

  public Fields(char delimiter, Charset charset) {
    this.delimiter = (byte) delimiter;
    this.charset = charset;
    this.ascii = charset.equals(StandardCharsets.US_ASCII) || charset.equals(StandardCharsets.ISO_8859_1)
        || charset.equals(StandardCharsets.UTF_8);
  }

  /**
   * Splits {@code b[from, to)} (one line, without its line break).
   *
   * @return the number of fields, or -1 if a quoted field is not terminated
   */
  public int split(byte[] b, int from, int to) {
    buf = b;
    count = 0;
    int i = from;
    while (true) {
      ensure(count + 1);
      if (i < to && b[i] == QUOTE) {
        int j = i + 1;
        while (true) {
          if (j >= to) {
            return -1;
          }
          if (b[j] == QUOTE) {
            if (j + 1 < to && b[j + 1] == QUOTE) {
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        starts[count] = i + 1;
        ends[count] = j;
        quoted[count] = true;
        count++;
        int k = j + 1;
        while (k < to && b[k] != delimiter) {
          k++; // characters between a closing quote and the delimiter are ignored, as most CSV readers do
        }
        if (k >= to) {
          return count;
        }
        i = k + 1;
      } else {
        int j = i;
        while (j < to && b[j] != delimiter) {
          j++;
        }
        starts[count] = i;
        ends[count] = j;
        quoted[count] = false;
        count++;
        if (j >= to) {
          return count;
        }
        i = j + 1;
      }
    }
  }

  private void ensure(int n) {
    if (n > starts.length) {
      int len = Math.max(n, starts.length * 2);
      starts = Arrays.copyOf(starts, len);
      ends = Arrays.copyOf(ends, len);
      quoted = Arrays.copyOf(quoted, len);
    }
  }

  public int count() {
    return count;
  }

  /** The delimiter as a byte. */
  public byte delimiter() {
    return delimiter;
  }

  /** Start of field {@code i} in {@link #buffer()}, after leading blanks. */
  public int trimmedStart(int i) {
    int s = starts[i];
    int e = ends[i];
    while (s < e && (buf[s] == ' ' || buf[s] == '\t')) {
      s++;
    }
    return s;
  }

  /** End of field {@code i} in {@link #buffer()}, before trailing blanks. */
  public int trimmedEnd(int i) {
    int s = starts[i];
    int e = ends[i];
    while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t')) {
      e--;
    }
    return e;
  }

  public boolean isQuoted(int i) {
    return quoted[i];
  }

  /** The bytes of the line last split. */
  public byte[] buffer() {
    return buf;
  }

  /** True if field {@code i} is empty or only whitespace. */
  public boolean isBlank(int i) {
    for (int k = starts[i]; k < ends[i]; k++) {
      if (buf[k] != ' ' && buf[k] != '\t') {
        return false;
      }
    }
    return true;
  }

  /** Field {@code i} as a trimmed string ("" when blank). */
  public String string(int i) {
    int s = starts[i];
    int e = ends[i];
    while (s < e && (buf[s] == ' ' || buf[s] == '\t')) {
      s++;
    }
    while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t')) {
      e--;
    }
    if (s == e) {
      return "";
    }
    String v = ascii && isAscii(s, e) ? new String(buf, s, e - s, StandardCharsets.ISO_8859_1) : new String(buf, s, e - s, charset);
    return quoted[i] && v.indexOf('"') >= 0 ? v.replace("\"\"", "\"") : v;
  }

  /**
   * Field {@code i} as a trimmed string like {@link #string}, but {@code null} when its bytes are not valid in the
   * charset (where {@link #string} would put U+FFFD in their place, so that two different values could read alike).
   */
  public String strictString(int i) {
    int s = trimmedStart(i);
    int e = trimmedEnd(i);
    if (s == e || (ascii && isAscii(s, e))) {
      return string(i);
    }
    if (strict == null) {
      strict = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    }
    String v;
    try {
      v = strict.decode(ByteBuffer.wrap(buf, s, e - s)).toString();
    } catch (CharacterCodingException ex) {
      return null;
    }
    return quoted[i] && v.indexOf('"') >= 0 ? v.replace("\"\"", "\"") : v;
  }

  /** True if {@code b[from, to)} is valid text in {@code cs}. */
  public static boolean isValid(byte[] b, int from, int to, Charset cs) {
    try {
      cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, from, to - from));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private boolean isAscii(int s, int e) {
    for (int k = s; k < e; k++) {
      if (buf[k] < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Field {@code i} as a double; NaN if blank. Plain decimals are parsed straight from the bytes; anything else
   * (exponents, "Infinity") goes through {@link Double#parseDouble}.
   *
   * @throws NumberFormatException if the field is not a number
   */
  public double number(int i) {
    int s = starts[i];
    int e = ends[i];
    while (s < e && (buf[s] == ' ' || buf[s] == '\t')) {
      s++;
    }
    while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t')) {
      e--;
    }
    if (s == e) {
      return Double.NaN;
    }
    int k = s;
    boolean neg = false;
    if (buf[k] == '-' || buf[k] == '+') {
      neg = buf[k] == '-';
      k++;
    }
    long mant = 0;
    int digits = 0;
    int scale = 0;
    boolean dot = false;
    for (; k < e; k++) {
      byte c = buf[k];
      if (c >= '0' && c <= '9') {
        mant = mant * 10 + (c - '0');
        digits++;
        if (dot) {
          scale++;
        }
      } else if (c == '.' && !dot) {
        dot = true;
      } else {
        return Double.parseDouble(string(i));
      }
    }
    if (digits == 0) {
      throw new NumberFormatException("not a number: '" + string(i) + "'");
    }
    if (digits > 15 || scale > 22) {
      return Double.parseDouble(string(i)); // beyond what the exact fast path covers
    }
    double v = mant / POW10[scale]; // exact: mant < 2^53 and 10^scale is exact for scale <= 22
    return neg ? -v : v;
  }

  private static final double[] POW10 = new double[23];

  static {
    POW10[0] = 1;
    for (int p = 1; p < POW10.length; p++) {
      POW10[p] = POW10[p - 1] * 10;
    }
  }

  /**
   * Field {@code i} as a whole number, or {@link Long#MIN_VALUE} if it is not one (blank, decimals, letters).
   */
  public long wholeNumber(int i) {
    int s = starts[i];
    int e = ends[i];
    while (s < e && (buf[s] == ' ' || buf[s] == '\t')) {
      s++;
    }
    while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t')) {
      e--;
    }
    if (s == e) {
      return Long.MIN_VALUE;
    }
    int k = s;
    boolean neg = buf[k] == '-';
    if (neg || buf[k] == '+') {
      k++;
    }
    if (k == e || e - k > 18) {
      return Long.MIN_VALUE;
    }
    long v = 0;
    for (; k < e; k++) {
      byte c = buf[k];
      if (c < '0' || c > '9') {
        return Long.MIN_VALUE;
      }
      v = v * 10 + (c - '0');
    }
    return neg ? -v : v;
  }

  /** The raw text of the whole line, shortened and {@link #printable}, for error messages. */
  public static String snippet(byte[] b, int from, int to, Charset cs) {
    int len = Math.min(to - from, 160);
    String s = printable(new String(b, from, len, cs));
    return to - from > len ? s + "..." : s;
  }

  /** {@code s} with control characters other than tab written as {@code \\uXXXX}, so that messages show them. */
  public static String printable(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean control = c != '\t' && Character.getType(c) == Character.CONTROL;
      if (control && sb == null) {
        sb = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      if (sb != null) {
        if (control) {
          sb.append(String.format("\\u%04X", (int) c));
        } else {
          sb.append(c);
        }
      }
    }
    return sb == null ? s : sb.toString();
  }
}
