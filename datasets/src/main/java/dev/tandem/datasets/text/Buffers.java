package dev.tandem.datasets.text;

import java.util.Arrays;

/** Growable primitive arrays, to collect columns without boxing. */
public final class Buffers {
  private Buffers() {}

  public static final class Ints {
    private int[] a;
    private int n;

    public Ints(int capacity) {
      a = new int[Math.max(16, capacity)];
    }

    public void add(int v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[n++] = v;
    }

    public void addAll(int[] v, int len) {
      if (n + len > a.length) {
        a = Arrays.copyOf(a, Math.max(a.length * 2, n + len));
      }
      System.arraycopy(v, 0, a, n, len);
      n += len;
    }

    public int size() {
      return n;
    }

    public int get(int i) {
      return a[i];
    }

    public int[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }

  public static final class Longs {
    private long[] a;
    private int n;

    public Longs(int capacity) {
      a = new long[Math.max(16, capacity)];
    }

    public void add(long v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[n++] = v;
    }

    public void addAll(long[] v, int len) {
      if (n + len > a.length) {
        a = Arrays.copyOf(a, Math.max(a.length * 2, n + len));
      }
      System.arraycopy(v, 0, a, n, len);
      n += len;
    }

    public int size() {
      return n;
    }

    public long[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }

  public static final class Floats {
    private float[] a;
    private int n;

    public Floats(int capacity) {
      a = new float[Math.max(16, capacity)];
    }

    public void add(float v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[n++] = v;
    }

    public void addAll(float[] v, int len) {
      if (n + len > a.length) {
        a = Arrays.copyOf(a, Math.max(a.length * 2, n + len));
      }
      System.arraycopy(v, 0, a, n, len);
      n += len;
    }

    public int size() {
      return n;
    }

    public float[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
