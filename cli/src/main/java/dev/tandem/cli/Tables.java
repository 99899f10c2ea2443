package dev.tandem.cli;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** A plain text table: columns padded to their widest cell, numbers right-aligned. */
final class Tables {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Tables(String... header) {
    this.header = List.of(header);
  }

  Tables row(Object... cells) {
    List<String> r = new ArrayList<>();
    for (Object c : cells) {
      r.add(format(c));
    }
    rows.add(r);
    return this;
  }

  static String format(Object c) {
    if (c == null) {
      return "-";
    }
    if (c instanceof Double d) {
      if (d.isNaN()) {
        return "-";
      }
      double a = Math.abs(d);
      if (a >= 1000) {
        return String.format("%,.0f", d);
      }
      if (a != 0 && a < 0.001) {
        return String.format("%.3g", d);
      }
      return new BigDecimal(String.format("%.4f", d)).stripTrailingZeros().toPlainString();
    }
    if (c instanceof Float f) {
      return format((double) f);
    }
    if (c instanceof Long || c instanceof Integer) {
      return String.format("%,d", ((Number) c).longValue());
    }
    return c.toString();
  }

  void print(PrintWriter out) {
    int cols = header.size();
    int[] w = new int[cols];
    for (int i = 0; i < cols; i++) {
      w[i] = header.get(i).length();
    }
    for (List<String> r : rows) {
      for (int i = 0; i < Math.min(cols, r.size()); i++) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    StringBuilder sep = new StringBuilder();
    for (int i = 0; i < cols; i++) {
      sep.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
    }
    out.println(line(header, w, false));
    out.println(sep);
    for (List<String> r : rows) {
      out.println(line(r, w, true));
    }
    out.flush();
  }

  private static String line(List<String> cells, int[] w, boolean alignNumbers) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < w.length; i++) {
      String c = i < cells.size() ? cells.get(i) : "";
      boolean num = alignNumbers && c.matches("[-+]?[0-9][0-9,]*(\\.[0-9]+)?(e[-+]?[0-9]+)?%?");
      if (i > 0) {
        sb.append("  ");
      }
      sb.append(num ? " ".repeat(w[i] - c.length()) + c : (i == w.length - 1 ? c : c + " ".repeat(w[i] - c.length())));
    }
    return sb.toString();
  }
}
