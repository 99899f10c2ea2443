package dev.tandem.ps.shard;

import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The binary messages between an {@link AeronShardedStore} and its {@link ShardServer}s: little-endian, on Agrona
 * buffers. A message is a fixed header ({@link #HEADER} bytes: magic, version, type, request id, step, learning rate,
 * table, floats per item, and which items of the message this chunk carries) followed by its items: ids
 * ({@code long}), sighting counts ({@code int}), rows or gradients ({@code float}, {@code width} per item), or the
 * bytes of a JSON or text body. A message whose items do not fit one Aeron message (at most a term's length / 8) is
 * split into chunks at item boundaries; {@link Assembler} puts them back together.
 */
final class ShardWire {
  static final int MAGIC = 0x31535054; // "TPS1" little-endian
  static final int VERSION = 1;
  static final int HEADER = 56;
  /** The most items or floats one message may announce: a guard against a corrupt header allocating the heap away. */
  static final int MAX_TOTAL = 1 << 28;

  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final int O_MAGIC = 0;
  private static final int O_VERSION = 4;
  private static final int O_TYPE = 5;
  private static final int O_REQUEST = 8;
  private static final int O_STEP = 16;
  private static final int O_LR = 24;
  private static final int O_TABLE = 32;
  private static final int O_WIDTH = 36;
  private static final int O_OFFSET = 40;
  private static final int O_COUNT = 44;
  private static final int O_TOTAL = 48;

  private ShardWire() {}

  /** What a message is, and which arrays its items carry. */
  enum Type {
    // requests
    OPEN(1, Body.BYTES), PULL(2, Body.IDS_COUNTS), LOOKUP(3, Body.IDS), PUSH(4, Body.IDS_FLOATS), STATS(5, Body.NONE),
    CHECKPOINT(6, Body.BYTES), RESTORE(7, Body.BYTES), CLOSE(8, Body.NONE),
    // replies
    ROWS(16, Body.FLOATS), ACK(17, Body.NONE), STATS_REPLY(18, Body.BYTES), PART(19, Body.BYTES), ERROR(20, Body.BYTES);

    final int code;
    final Body body;

    Type(int code, Body body) {
      this.code = code;
      this.body = body;
    }

    static Type of(int code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  enum Body {
    NONE, BYTES, IDS, IDS_COUNTS, IDS_FLOATS, FLOATS;

    boolean ids() {
      return this == IDS || this == IDS_COUNTS || this == IDS_FLOATS;
    }

    boolean floats() {
      return this == IDS_FLOATS || this == FLOATS;
    }

    /** Bytes one item takes. */
    int itemBytes(int width) {
      return switch (this) {
        case NONE -> 0;
        case BYTES -> 1;
        case IDS -> 8;
        case IDS_COUNTS -> 12;
        case IDS_FLOATS -> 8 + 4 * width;
        case FLOATS -> 4 * width;
      };
    }
  }

  /**
   * One whole message. Arrays may be longer than {@code n} (callers reuse them); only the first {@code n} items (and
   * {@code n * width} floats) are sent.
   */
  static final class Message {
    Type type;
    long requestId;
    long step;
    double learningRate;
    int table;
    int width;
    int n;
    long[] ids;
    int[] counts;
    float[] floats;
    byte[] bytes;

    static Message of(Type type, long requestId) {
      Message m = new Message();
      m.type = type;
      m.requestId = requestId;
      return m;
    }

    Message table(int table) {
      this.table = table;
      return this;
    }

    Message step(long step) {
      this.step = step;
      return this;
    }

    Message bytes(byte[] b) {
      this.bytes = b;
      this.n = b.length;
      return this;
    }

    String text() {
      return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** Sends one encoded chunk ({@code buffer[0..length)}). */
  interface ChunkSink {
    void send(MutableDirectBuffer buffer, int length);
  }

  /** Items of a message of this body that fit one chunk of at most {@code maxMessage} bytes. */
  static int itemsPerChunk(Body body, int width, int maxMessage) {
    int item = body.itemBytes(width);
    if (item == 0) {
      return Integer.MAX_VALUE;
    }
    int k = (maxMessage - HEADER) / item;
    if (k < 1) {
      throw new IllegalArgumentException("one item of " + item + " bytes does not fit a message of at most " + maxMessage
          + " bytes: raise the term buffer size");
    }
    return k;
  }

  /**
   * Encodes {@code m} into chunks of at most {@code maxMessage} bytes each, in {@code buffer} (reused for every chunk,
   * at least {@code maxMessage} long), handing each to {@code sink}.
   *
   * @return the number of chunks
   */
  static int encode(Message m, MutableDirectBuffer buffer, int maxMessage, ChunkSink sink) {
    Body body = m.type.body;
    int per = itemsPerChunk(body, m.width, Math.min(maxMessage, buffer.capacity()));
    int chunks = 0;
    int off = 0;
    do {
      int count = Math.min(per, m.n - off);
      int len = encodeChunk(m, off, count, buffer);
      sink.send(buffer, len);
      chunks++;
      off += count;
    } while (off < m.n);
    return chunks;
  }

  private static int encodeChunk(Message m, int off, int count, MutableDirectBuffer b) {
    b.putInt(O_MAGIC, MAGIC, LE);
    b.putByte(O_VERSION, (byte) VERSION);
    b.putByte(O_TYPE, (byte) m.type.code);
    b.putShort(6, (short) 0, LE);
    b.putLong(O_REQUEST, m.requestId, LE);
    b.putLong(O_STEP, m.step, LE);
    b.putDouble(O_LR, m.learningRate, LE);
    b.putInt(O_TABLE, m.table, LE);
    b.putInt(O_WIDTH, m.width, LE);
    b.putInt(O_OFFSET, off, LE);
    b.putInt(O_COUNT, count, LE);
    b.putInt(O_TOTAL, m.n, LE);
    b.putInt(52, 0, LE);
    int p = HEADER;
    Body body = m.type.body;
    if (body == Body.BYTES) {
      b.putBytes(p, m.bytes, off, count);
      return p + count;
    }
    if (body.ids()) {
      for (int i = 0; i < count; i++, p += 8) {
        b.putLong(p, m.ids[off + i], LE);
      }
    }
    if (body == Body.IDS_COUNTS) {
      for (int i = 0; i < count; i++, p += 4) {
        b.putInt(p, m.counts[off + i], LE);
      }
    }
    if (body.floats()) {
      int from = off * m.width;
      int to = (off + count) * m.width;
      for (int i = from; i < to; i++, p += 4) {
        b.putFloat(p, m.floats[i], LE);
      }
    }
    return p;
  }

  /** The request id of an encoded chunk (valid after {@link #check}). */
  static long requestId(DirectBuffer b, int offset) {
    return b.getLong(offset + O_REQUEST, LE);
  }

  /** Throws {@link IllegalArgumentException} when the bytes are not a chunk of this protocol's version. */
  static Type check(DirectBuffer b, int offset, int length) {
    if (length < HEADER) {
      throw new IllegalArgumentException("message of " + length + " bytes is shorter than the " + HEADER + "-byte header");
    }
    int magic = b.getInt(offset + O_MAGIC, LE);
    if (magic != MAGIC) {
      throw new IllegalArgumentException(String.format("not a parameter-server message (magic 0x%08x)", magic));
    }
    int version = b.getByte(offset + O_VERSION);
    if (version != VERSION) {
      throw new IllegalArgumentException("parameter-server protocol version " + version + ", this side speaks " + VERSION);
    }
    Type t = Type.of(b.getByte(offset + O_TYPE));
    if (t == null) {
      throw new IllegalArgumentException("unknown message type " + b.getByte(offset + O_TYPE));
    }
    return t;
  }

  /**
   * Puts chunks back together into messages, per sender ({@code source}: the Aeron session of a client, or the shard
   * a reply came from) and request. Not thread-safe.
   */
  static final class Assembler {
    private record Key(long source, long requestId) {}

    private final Map<Key, Partial> partial = new HashMap<>();

    private static final class Partial {
      final Message m;
      int received;

      Partial(Message m) {
        this.m = m;
      }
    }

    /** Chunks of messages still incomplete. */
    int incomplete() {
      return partial.size();
    }

    /** Drops the incomplete messages of a sender (it went away). */
    void forget(long source) {
      partial.keySet().removeIf(k -> k.source == source);
    }

    /**
     * Takes one chunk; returns the whole message once its last chunk arrived, else null.
     *
     * @throws IllegalArgumentException when the chunk is malformed (the message it belonged to is dropped)
     */
    Message onChunk(long source, DirectBuffer b, int offset, int length) {
      Type type = check(b, offset, length);
      long requestId = b.getLong(offset + O_REQUEST, LE);
      int width = b.getInt(offset + O_WIDTH, LE);
      int off = b.getInt(offset + O_OFFSET, LE);
      int count = b.getInt(offset + O_COUNT, LE);
      int total = b.getInt(offset + O_TOTAL, LE);
      Body body = type.body;
      Key key = new Key(source, requestId);
      if (width < 0 || width > 1 << 16 || total < 0 || total > MAX_TOTAL || (long) total * Math.max(1, width) > MAX_TOTAL || off < 0
          || count < 0 || (long) off + count > total || (body == Body.NONE && total != 0)) {
        partial.remove(key);
        throw new IllegalArgumentException("malformed " + type + " chunk: width " + width + ", items " + off + ".." + (off + count) + " of "
            + total);
      }
      long need = HEADER + (long) count * body.itemBytes(width);
      if (length != need) {
        partial.remove(key);
        throw new IllegalArgumentException(type + " chunk of " + length + " bytes, " + need + " expected for " + count + " items");
      }
      Partial p;
      if (off == 0 && count == total) {
        p = new Partial(newMessage(type, requestId, b, offset, width, total));
      } else {
        p = partial.get(key);
        if (p == null) {
          p = new Partial(newMessage(type, requestId, b, offset, width, total));
          partial.put(key, p);
        } else if (p.m.type != type || p.m.n != total || p.m.width != width) {
          partial.remove(key);
          throw new IllegalArgumentException("chunk of request " + requestId + " does not match its earlier chunks");
        }
      }
      read(p.m, b, offset + HEADER, off, count);
      p.received += count;
      if (p.received < total) {
        return null;
      }
      partial.remove(key);
      return p.m;
    }

    private static Message newMessage(Type type, long requestId, DirectBuffer b, int offset, int width, int total) {
      Message m = Message.of(type, requestId);
      m.step = b.getLong(offset + O_STEP, LE);
      m.learningRate = b.getDouble(offset + O_LR, LE);
      m.table = b.getInt(offset + O_TABLE, LE);
      m.width = width;
      m.n = total;
      Body body = type.body;
      if (body == Body.BYTES) {
        m.bytes = new byte[total];
      }
      if (body.ids()) {
        m.ids = new long[total];
      }
      if (body == Body.IDS_COUNTS) {
        m.counts = new int[total];
      }
      if (body.floats()) {
        m.floats = new float[total * width];
      }
      return m;
    }

    private static void read(Message m, DirectBuffer b, int p, int off, int count) {
      Body body = m.type.body;
      if (body == Body.BYTES) {
        b.getBytes(p, m.bytes, off, count);
        return;
      }
      if (body.ids()) {
        for (int i = 0; i < count; i++, p += 8) {
          m.ids[off + i] = b.getLong(p, LE);
        }
      }
      if (body == Body.IDS_COUNTS) {
        for (int i = 0; i < count; i++, p += 4) {
          m.counts[off + i] = b.getInt(p, LE);
        }
      }
      if (body.floats()) {
        int from = off * m.width;
        int to = (off + count) * m.width;
        for (int i = from; i < to; i++, p += 4) {
          m.floats[i] = b.getFloat(p, LE);
        }
      }
    }
  }
}
