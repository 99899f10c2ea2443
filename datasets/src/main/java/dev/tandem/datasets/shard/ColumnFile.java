package dev.tandem.datasets.shard;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tandem.format.Persisted;
import dev.tandem.format.UnsupportedFormatException;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.Path;

/**
 * Tandem's binary column file, used for event shards and entity tables. Layout (little-endian):
 *
 * <pre>
 *   0  magic "TNDS"
 *   4  u16 format version (1)
 *   6  u16 reserved (0)
 *   8  u32 header length H
 *  12  u32 CRC32C of the header
 *  16  header: UTF-8 JSON {kind, rows, columns: [{name, type, offset, length, cardinality}], payload_length, payload_crc32c, meta}
 *  16+H  payload: the columns, each 8-byte aligned
 * </pre>
 *
 * Both checksums are verified on every read; a file that fails either, is truncated, or has another version is refused
 * with {@link CorruptDataException}. Column-wise storage lets a reader decode a million rows with a few bulk copies.
 */
public final class ColumnFile {
  static final byte[] MAGIC = {'T', 'N', 'D', 'S'};
  public static final int VERSION = 1;
  private static final int PREFIX = 16;

  /** Column types. */
  public enum Type { I32, I64, F32, I32_LIST, STRING }

  /** Where a column lives in the payload. */
  public record ColumnMeta(String name, Type type, long offset, long length, Integer cardinality, Integer values) {}

  /** The decoded header. */
  public record Header(String kind, int rows, List<ColumnMeta> columns, long payloadLength, String payloadCrc32c,
      Map<String, Object> meta) {}

  /** A list column in CSR form. */
  public record IntLists(int[] offsets, int[] values) {}

  private final String file;
  private final Header header;
  private final ByteBuffer payload;

  private ColumnFile(String file, Header header, ByteBuffer payload) {
    this.file = file;
    this.header = header;
    this.payload = payload;
  }

  public Header header() {
    return header;
  }

  public int rows() {
    return header.rows();
  }

  public String kind() {
    return header.kind();
  }

  public boolean has(String name) {
    return header.columns().stream().anyMatch(c -> c.name().equals(name));
  }

  public ColumnMeta column(String name) {
    for (ColumnMeta c : header.columns()) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    throw new CorruptDataException(file, "has no column '" + name + "'");
  }

  private ByteBuffer slice(ColumnMeta c, Type expected) {
    if (c.type() != expected) {
      throw new IllegalArgumentException(file + ": column " + c.name() + " is " + c.type() + ", not " + expected);
    }
    return payload.duplicate().position((int) c.offset()).limit((int) (c.offset() + c.length())).slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  public int[] ints(String name) {
    ByteBuffer b = slice(column(name), Type.I32);
    int[] out = new int[rows()];
    b.asIntBuffer().get(out);
    return out;
  }

  public long[] longs(String name) {
    ByteBuffer b = slice(column(name), Type.I64);
    long[] out = new long[rows()];
    b.asLongBuffer().get(out);
    return out;
  }

  public float[] floats(String name) {
    ByteBuffer b = slice(column(name), Type.F32);
    float[] out = new float[rows()];
    b.asFloatBuffer().get(out);
    return out;
  }

  public IntLists intLists(String name) {
    ColumnMeta c = column(name);
    ByteBuffer b = slice(c, Type.I32_LIST);
    int[] offsets = new int[rows() + 1];
    b.asIntBuffer().get(offsets);
    int[] values = new int[c.values()];
    b.position((rows() + 1) * 4);
    b.slice().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(values);
    return new IntLists(offsets, values);
  }

  public String[] strings(String name) {
    ByteBuffer b = slice(column(name), Type.STRING);
    int dictSize = b.getInt();
    String[] dict = new String[dictSize];
    for (int i = 0; i < dictSize; i++) {
      int len = b.getInt();
      byte[] bytes = new byte[len];
      b.get(bytes);
      dict[i] = new String(bytes, StandardCharsets.UTF_8);
    }
    String[] out = new String[rows()];
    for (int i = 0; i < out.length; i++) {
      int code = b.getInt();
      out[i] = code < 0 ? null : dict[code];
    }
    return out;
  }

  /** Reads and verifies a column file. */
  public static ColumnFile read(Path p) {
    byte[] bytes;
    try {
      bytes = Fs.readAll(p);
    } catch (FileNotFoundException e) {
      throw new CorruptDataException(p.toString(), "file is missing");
    } catch (IOException e) {
      throw new CorruptDataException(p.toString(), "cannot be read: " + e.getMessage(), e);
    }
    return decode(p.toString(), bytes);
  }

  /** Verifies and decodes the bytes of a column file; {@code file} names it in errors. */
  public static ColumnFile decode(String file, byte[] bytes) {
    if (bytes.length < PREFIX) {
      throw new CorruptDataException(file, "truncated: " + bytes.length + " bytes is shorter than the file header");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 4; i++) {
      if (bytes[i] != MAGIC[i]) {
        throw new CorruptDataException(file, "not a Tandem column file (bad magic bytes)");
      }
    }
    int version = Short.toUnsignedInt(b.getShort(4));
    if (version > VERSION) {
      throw new UnsupportedFormatException(file, version, VERSION);
    }
    if (version < 1) {
      throw new CorruptDataException(file, "format version " + version + " does not exist");
    }
    long headerLen = Integer.toUnsignedLong(b.getInt(8));
    long headerCrc = Integer.toUnsignedLong(b.getInt(12));
    if (PREFIX + headerLen > bytes.length) {
      throw new CorruptDataException(file, "truncated: header of " + headerLen + " bytes runs past the end of the file");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, PREFIX, (int) headerLen);
    if (crc.getValue() != headerCrc) {
      throw new CorruptDataException(file, String.format("header checksum mismatch (stored %08x, computed %08x)", headerCrc, crc.getValue()));
    }
    Header h;
    try {
      h = Persisted.json().readValue(bytes, PREFIX, (int) headerLen, Header.class);
    } catch (IOException e) {
      throw new CorruptDataException(file, "unreadable header: " + e.getMessage(), e);
    }
    long payloadStart = PREFIX + headerLen;
    if (payloadStart + h.payloadLength() != bytes.length) {
      throw new CorruptDataException(file, "size mismatch: expected " + (payloadStart + h.payloadLength()) + " bytes, found " + bytes.length
          + (bytes.length < payloadStart + h.payloadLength() ? " (truncated)" : " (trailing bytes)"));
    }
    crc.reset();
    crc.update(bytes, (int) payloadStart, (int) h.payloadLength());
    String actual = String.format("%08x", crc.getValue());
    if (!actual.equals(h.payloadCrc32c())) {
      throw new CorruptDataException(file, "payload checksum mismatch (stored " + h.payloadCrc32c() + ", computed " + actual + ")");
    }
    ByteBuffer payload = ByteBuffer.wrap(bytes, (int) payloadStart, (int) h.payloadLength()).slice().order(ByteOrder.LITTLE_ENDIAN);
    return new ColumnFile(file, h, payload);
  }

  /** Builds a column file in memory. */
  public static final class Builder {
    private final String kind;
    private final int rows;
    private final List<ColumnMeta> columns = new ArrayList<>();
    private final List<byte[]> parts = new ArrayList<>();
    private final Map<String, Object> meta = new LinkedHashMap<>();
    private long offset;
    private String payloadCrc;

    public Builder(String kind, int rows) {
      this.kind = kind;
      this.rows = rows;
    }

    public Builder meta(String key, Object value) {
      meta.put(key, value);
      return this;
    }

    private void add(String name, Type type, ByteBuffer data, Integer cardinality, Integer values) {
      for (ColumnMeta c : columns) {
        if (c.name().equals(name)) {
          throw new IllegalArgumentException("duplicate column " + name);
        }
      }
      byte[] bytes = data.array();
      int len = data.position();
      long aligned = (offset + 7) & ~7L;
      if (aligned > offset) {
        parts.add(new byte[(int) (aligned - offset)]);
      }
      parts.add(len == bytes.length ? bytes : Arrays.copyOf(bytes, len));
      columns.add(new ColumnMeta(name, type, aligned, len, cardinality, values));
      offset = aligned + len;
    }

    private void checkRows(String name, int n) {
      if (n != rows) {
        throw new IllegalArgumentException("column " + name + " has " + n + " rows, expected " + rows);
      }
    }

    public Builder ints(String name, int[] v, Integer cardinality) {
      checkRows(name, v.length);
      ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asIntBuffer().put(v);
      b.position(v.length * 4);
      add(name, Type.I32, b, cardinality, null);
      return this;
    }

    public Builder longs(String name, long[] v) {
      checkRows(name, v.length);
      ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      b.asLongBuffer().put(v);
      b.position(v.length * 8);
      add(name, Type.I64, b, null, null);
      return this;
    }

    public Builder floats(String name, float[] v) {
      checkRows(name, v.length);
      ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(v);
      b.position(v.length * 4);
      add(name, Type.F32, b, null, null);
      return this;
    }

    public Builder intLists(String name, int[] offsets, int[] values, Integer cardinality) {
      checkRows(name, offsets.length - 1);
      int count = offsets[offsets.length - 1] - offsets[0];
      ByteBuffer b = ByteBuffer.allocate((offsets.length + count) * 4).order(ByteOrder.LITTLE_ENDIAN);
      int base = offsets[0];
      for (int o : offsets) {
        b.putInt(o - base);
      }
      b.asIntBuffer().put(values, base, count);
      b.position((offsets.length + count) * 4);
      add(name, Type.I32_LIST, b, cardinality, count);
      return this;
    }

    public Builder strings(String name, String[] v) {
      checkRows(name, v.length);
      Map<String, Integer> dict = new LinkedHashMap<>();
      int[] codes = new int[v.length];
      for (int i = 0; i < v.length; i++) {
        codes[i] = v[i] == null ? -1 : dict.computeIfAbsent(v[i], k -> dict.size());
      }
      List<byte[]> enc = new ArrayList<>(dict.size());
      int size = 4 + v.length * 4;
      for (String s : dict.keySet()) {
        byte[] e = s.getBytes(StandardCharsets.UTF_8);
        enc.add(e);
        size += 4 + e.length;
      }
      ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(enc.size());
      for (byte[] e : enc) {
        b.putInt(e.length);
        b.put(e);
      }
      for (int c : codes) {
        b.putInt(c);
      }
      add(name, Type.STRING, b, null, null);
      return this;
    }

    /** The complete file. */
    public byte[] toBytes() {
      CRC32C crc = new CRC32C();
      for (byte[] p : parts) {
        crc.update(p, 0, p.length);
      }
      payloadCrc = String.format("%08x", crc.getValue());
      Header h = new Header(kind, rows, columns, offset, payloadCrc, meta);
      byte[] hb;
      try {
        hb = Persisted.json().writeValueAsBytes(h);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      crc.reset();
      crc.update(hb, 0, hb.length);
      ByteBuffer out = ByteBuffer.allocate((int) (PREFIX + hb.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
      out.put(MAGIC).putShort((short) VERSION).putShort((short) 0).putInt(hb.length).putInt((int) crc.getValue()).put(hb);
      for (byte[] p : parts) {
        out.put(p);
      }
      return out.array();
    }

    /** Writes the file atomically and returns its size and payload checksum. */
    public Written write(Path target) throws IOException {
      byte[] bytes = toBytes();
      Fs.writeAtomically(target, bytes);
      return new Written(target.getName(), rows, bytes.length, payloadCrc);
    }

    /** Writes the file into a staging directory (see {@link Fs#writeStaged}). */
    public Written writeStaged(Path target) throws IOException {
      byte[] bytes = toBytes();
      Fs.writeStaged(target, bytes);
      return new Written(target.getName(), rows, bytes.length, payloadCrc);
    }
  }

  /** What was written: for manifests. */
  public record Written(String name, int rows, long bytes, String crc32c) {}
}
