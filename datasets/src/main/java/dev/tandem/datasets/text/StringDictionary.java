package dev.tandem.datasets.text;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Assigns dense int codes to strings, safely from several parser threads. Codes depend on thread timing, so nothing
 * downstream may depend on their order: ids are re-ranked by their canonical order before they are used.
 */
public final class StringDictionary {
  private final ConcurrentHashMap<String, Integer> codes = new ConcurrentHashMap<>(1 << 12);
  private final AtomicInteger next = new AtomicInteger();

  public int code(String s) {
    Integer c = codes.get(s);
    if (c != null) {
      return c;
    }
    return codes.computeIfAbsent(s, k -> next.getAndIncrement());
  }

  /** The code of {@code s}, or -1 if it was never seen. */
  public int find(String s) {
    Integer c = codes.get(s);
    return c == null ? -1 : c;
  }

  public int size() {
    return next.get();
  }

  /** The strings indexed by code. Call once all writers are done. */
  public String[] values() {
    String[] out = new String[next.get()];
    for (Map.Entry<String, Integer> e : codes.entrySet()) {
      out[e.getValue()] = e.getKey();
    }
    return out;
  }
}
