package dev.tandem.ps;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Gathers the traffic files the nodes of a distributed run write (see {@link TrafficMeter}) into {@code traffic.json}:
 * per executor {@code updates_sent}, {@code updates_received}, {@code bytes_sent}, {@code bytes_received} and
 * {@code dense_bytes_equivalent} (what sending dense float gradients would have cost), the driver's view, and totals
 * with the compression ratio dense / actual bytes sent.
 */
public final class TrafficReport {
  private TrafficReport() {}

  /** Reads every node's latest counters from a run's traffic directory. */
  public static Map<String, Map<String, Object>> read(Path dir) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    try {
      for (FileStatus st : Fs.list(dir)) {
        String name = st.getPath().getName();
        if (name.endsWith(".json") && !name.startsWith(".")) {
          out.put(name.substring(0, name.length() - 5),
              Persisted.read(Fs.readAll(st.getPath()), new TypeReference<Map<String, Object>>() {}, TrafficMeter.FORMAT,
                  st.getPath().toString()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read traffic files in " + dir, e);
    }
    return out;
  }

  /** The report: executors, driver and totals. */
  public static Map<String, Object> aggregate(Map<String, Map<String, Object>> nodes) {
    Map<String, Object> executors = new LinkedHashMap<>();
    Map<String, Object> driver = null;
    long[] totals = new long[5];
    String[] keys = {"updates_sent", "updates_received", "bytes_sent", "bytes_received", "dense_bytes_equivalent"};
    for (Map.Entry<String, Map<String, Object>> e : nodes.entrySet()) {
      if (e.getKey().equals("driver")) {
        driver = e.getValue();
        continue;
      }
      executors.put(e.getKey(), e.getValue());
      for (int k = 0; k < keys.length; k++) {
        totals[k] += asLong(e.getValue().get(keys[k]));
      }
    }
    Map<String, Object> t = new LinkedHashMap<>();
    for (int k = 0; k < keys.length; k++) {
      t.put(keys[k], totals[k]);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("executors", executors);
    out.put("driver", driver);
    out.put("totals", t);
    out.put("compression_ratio", totals[2] > 0 ? (double) totals[4] / totals[2] : null);
    out.put("note", "bytes_* are what each JVM's Aeron media driver sent and received (UDP payload incl. Aeron framing); "
        + "dense_bytes_equivalent = training steps x parameters x 4 bytes (every step of every executor sending its dense gradient)");
    return out;
  }

  static long asLong(Object o) {
    return o instanceof Number n ? n.longValue() : 0L;
  }

  static double asDouble(Object o) {
    return o instanceof Number n ? n.doubleValue() : 0.0;
  }

  /** Sum of a numeric field over executors. */
  public static double sum(Map<String, Map<String, Object>> nodes, String key) {
    return nodes.entrySet().stream().filter(e -> !e.getKey().equals("driver")).mapToDouble(e -> asDouble(e.getValue().get(key))).sum();
  }
}
