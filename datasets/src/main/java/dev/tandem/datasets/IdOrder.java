package dev.tandem.datasets;

import java.util.Comparator;

/**
 * The canonical order of raw ids: numeric ids by value (so "9" precedes "10", as in MovieLens), before any
 * non-numeric id, which compare as strings. Entity rows and event tie-breaks follow this order.
 */
public final class IdOrder implements Comparator<String> {
  public static final IdOrder INSTANCE = new IdOrder();

  private IdOrder() {}

  @Override
  public int compare(String a, String b) {
    long x = asLong(a);
    long y = asLong(b);
    boolean nx = x != Long.MIN_VALUE;
    boolean ny = y != Long.MIN_VALUE;
    if (nx && ny) {
      int c = Long.compare(x, y);
      return c != 0 ? c : a.compareTo(b);
    }
    if (nx != ny) {
      return nx ? -1 : 1;
    }
    return a.compareTo(b);
  }

  static long asLong(String s) {
    int n = s.length();
    if (n == 0 || n > 18) {
      return Long.MIN_VALUE;
    }
    int i = s.charAt(0) == '-' ? 1 : 0;
    if (i == n) {
      return Long.MIN_VALUE;
    }
    long v = 0;
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return Long.MIN_VALUE;
      }
      v = v * 10 + (c - '0');
    }
    return s.charAt(0) == '-' ? -v : v;
  }
}
