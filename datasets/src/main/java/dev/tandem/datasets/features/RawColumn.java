package dev.tandem.datasets.features;

/** Raw values of one source column, row by row ({@code null} = missing). */
public interface RawColumn {
  int size();

  String text(int row);

  /** The value as a number; NaN when missing. */
  default double number(int row) {
    String t = text(row);
    return t == null ? Double.NaN : Double.parseDouble(t);
  }

  /** Strings, one per row. */
  static RawColumn of(String[] values) {
    return new RawColumn() {
      @Override
      public int size() {
        return values.length;
      }

      @Override
      public String text(int row) {
        return values[row];
      }
    };
  }

  /** Dictionary codes ({@code -1} = missing). */
  static Dict dict(int[] codes, String[] dictionary) {
    return new Dict(codes, dictionary);
  }

  /** Numbers (NaN = missing). */
  static RawColumn numbers(float[] values) {
    return new RawColumn() {
      @Override
      public int size() {
        return values.length;
      }

      @Override
      public String text(int row) {
        float v = values[row];
        return Float.isNaN(v) ? null : (v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Float.toString(v));
      }

      @Override
      public double number(int row) {
        return values[row];
      }
    };
  }

  /**
   * A list of ids per row in CSR form, most recent first (history_items): row r holds
   * {@code dictionary[codes[offsets[r] .. offsets[r+1])]}. As text, the ids joined by '|'; as a number, how many.
   */
  record IdLists(int[] offsets, int[] codes, String[] dictionary) implements RawColumn {
    @Override
    public int size() {
      return offsets.length - 1;
    }

    @Override
    public String text(int row) {
      StringBuilder sb = new StringBuilder();
      for (int k = offsets[row]; k < offsets[row + 1]; k++) {
        sb.append(k > offsets[row] ? "|" : "").append(dictionary[codes[k]]);
      }
      return sb.toString();
    }

    @Override
    public double number(int row) {
      return offsets[row + 1] - offsets[row];
    }

    /** Rows {@code [from, to)}. */
    public IdLists slice(int from, int to) {
      int[] off = new int[to - from + 1];
      for (int r = from; r <= to; r++) {
        off[r - from] = offsets[r] - offsets[from];
      }
      return new IdLists(off, java.util.Arrays.copyOfRange(codes, offsets[from], offsets[to]), dictionary);
    }
  }

  /** A dictionary-encoded column: counting and encoding can work on codes instead of strings. */
  record Dict(int[] codes, String[] dictionary) implements RawColumn {
    @Override
    public int size() {
      return codes.length;
    }

    @Override
    public String text(int row) {
      int c = codes[row];
      return c < 0 ? null : dictionary[c];
    }
  }
}
