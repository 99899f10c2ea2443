package dev.tandem.datasets.text;

import java.util.Arrays;

/**
 * A per-thread cache in front of a {@link StringDictionary}: maps the raw bytes of a field straight to its code, so
 * the common case (an id seen before) costs a hash of a few bytes and no String allocation. Keys of up to 8 bytes
 * (most ids) are stored inline next to their code, so a lookup touches one cache line.
 *
 * <p>A value is checked once, when its bytes are first seen: bytes that are not valid in the charset, and for ids
 * also whitespace-only values and control characters, get a negative code instead of entering the dictionary (and
 * that answer is cached like any other).
 */
public final class SliceCodes {
  /** The field is blank (only spaces and tabs). */
  public static final int BLANK = -1;
  /** The field's bytes are not valid in the charset. */
  public static final int INVALID_ENCODING = -2;
  /** An id made of whitespace only (beyond spaces and tabs, e.g. a no-break space). */
  public static final int WHITESPACE_ONLY = -3;
  /** An id holding a control character. */
  public static final int CONTROL_CHARACTER = -4;

  private final StringDictionary dict;
  private final boolean isId;
  private final boolean replaceInvalid;
  /** Inline table: slot k holds the packed key at [2k] and (length << 32 | code) at [2k+1]; length 0 = empty. */
  private long[] inline = new long[2 << 10];
  private int inlineSize;
  private byte[][] keys = new byte[1 << 10][];
  private int[] codes = new int[1 << 10];
  private int[] hashes = new int[1 << 10];
  private int size;

  /**
   * @param isId           ids are also refused when whitespace-only or holding control characters
   * @param replaceInvalid decode invalid bytes as U+FFFD instead of refusing them ({@code invalid_encoding: replace})
   */
  public SliceCodes(StringDictionary dict, boolean isId, boolean replaceInvalid) {
    this.dict = dict;
    this.isId = isId;
    this.replaceInvalid = replaceInvalid;
  }

  /**
   * The code of field {@code i} of {@code f}: {@code >= 0}, or {@link #BLANK}, {@link #INVALID_ENCODING},
   * {@link #WHITESPACE_ONLY}, {@link #CONTROL_CHARACTER}.
   */
  public int code(Fields f, int i) {
    int s = f.trimmedStart(i);
    int e = f.trimmedEnd(i);
    if (s == e) {
      return BLANK;
    }
    if (f.isQuoted(i)) {
      return decode(f, i); // may hold escaped quotes: decode properly
    }
    byte[] b = f.buffer();
    int len = e - s;
    return len <= 8 ? inlineCode(f, i, b, s, len) : longCode(f, i, b, s, e);
  }

  private int inlineCode(Fields f, int i, byte[] b, int s, int len) {
    long packed = 0;
    for (int k = 0; k < len; k++) {
      packed = (packed << 8) | (b[s + k] & 0xFF);
    }
    long h = packed * 0x9E3779B97F4A7C15L + len;
    int mask = (inline.length >> 1) - 1;
    int slot = (int) (h >>> 40) & mask;
    while (true) {
      long meta = inline[2 * slot + 1];
      if (meta == 0) {
        break;
      }
      if (inline[2 * slot] == packed && (int) (meta >>> 32) == len) {
        return (int) meta;
      }
      slot = (slot + 1) & mask;
    }
    int code = decode(f, i);
    inline[2 * slot] = packed;
    inline[2 * slot + 1] = ((long) len << 32) | (code & 0xFFFFFFFFL);
    if (++inlineSize * 2 > (inline.length >> 1)) {
      growInline();
    }
    return code;
  }

  /** The code of a value not seen before by this cache: checked, then looked up in (or added to) the dictionary. */
  private int decode(Fields f, int i) {
    String v = replaceInvalid ? f.string(i) : f.strictString(i);
    if (v == null) {
      return INVALID_ENCODING;
    }
    if (isId) {
      int problem = idProblem(v);
      if (problem != 0) {
        return problem;
      }
    }
    return dict.code(v);
  }

  /**
   * 0 for a usable id, else {@link #BLANK}, {@link #WHITESPACE_ONLY} or {@link #CONTROL_CHARACTER}. Shared with side
   * tables, whose keys are ids too.
   */
  public static int idProblem(String v) {
    if (v.isEmpty()) {
      return BLANK;
    }
    boolean onlySpace = true;
    for (int k = 0; k < v.length(); k++) {
      char c = v.charAt(k);
      if (Character.getType(c) == Character.CONTROL) {
        return CONTROL_CHARACTER;
      }
      if (onlySpace && !Character.isWhitespace(c) && !Character.isSpaceChar(c)) {
        onlySpace = false;
      }
    }
    return onlySpace ? WHITESPACE_ONLY : 0;
  }

  private void growInline() {
    long[] old = inline;
    inline = new long[old.length * 2];
    int mask = (inline.length >> 1) - 1;
    for (int j = 0; j < old.length; j += 2) {
      long meta = old[j + 1];
      if (meta != 0) {
        long h = old[j] * 0x9E3779B97F4A7C15L + (int) (meta >>> 32);
        int slot = (int) (h >>> 40) & mask;
        while (inline[2 * slot + 1] != 0) {
          slot = (slot + 1) & mask;
        }
        inline[2 * slot] = old[j];
        inline[2 * slot + 1] = meta;
      }
    }
  }

  private int longCode(Fields f, int i, byte[] b, int s, int e) {
    int h = 0x811c9dc5;
    for (int k = s; k < e; k++) {
      h = (h ^ b[k]) * 0x01000193;
    }
    h ^= h >>> 15;
    int mask = keys.length - 1;
    int slot = h & mask;
    while (true) {
      byte[] key = keys[slot];
      if (key == null) {
        break;
      }
      if (hashes[slot] == h && Arrays.equals(key, 0, key.length, b, s, e)) {
        return codes[slot];
      }
      slot = (slot + 1) & mask;
    }
    int code = decode(f, i);
    keys[slot] = Arrays.copyOfRange(b, s, e);
    codes[slot] = code;
    hashes[slot] = h;
    if (++size * 2 > keys.length) {
      grow();
    }
    return code;
  }

  private void grow() {
    byte[][] oldKeys = keys;
    int[] oldCodes = codes;
    int[] oldHashes = hashes;
    keys = new byte[oldKeys.length * 2][];
    codes = new int[keys.length];
    hashes = new int[keys.length];
    int mask = keys.length - 1;
    for (int j = 0; j < oldKeys.length; j++) {
      if (oldKeys[j] != null) {
        int slot = oldHashes[j] & mask;
        while (keys[slot] != null) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = oldKeys[j];
        codes[slot] = oldCodes[j];
        hashes[slot] = oldHashes[j];
      }
    }
  }
}
