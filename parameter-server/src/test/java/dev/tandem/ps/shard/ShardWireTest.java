package dev.tandem.ps.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.ps.shard.ShardWire.Message;
import dev.tandem.ps.shard.ShardWire.Type;
import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.embedding.TableSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The shards' binary messages survive encoding, chunking and reassembly unchanged, and malformed ones are refused. */
class ShardWireTest {

  /** Encodes {@code m} in chunks of at most {@code max} bytes; returns the chunks as separate byte arrays. */
  private static List<byte[]> chunks(Message m, int max) {
    List<byte[]> out = new ArrayList<>();
    UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(max));
    ShardWire.encode(m, buf, max, (b, len) -> {
      byte[] c = new byte[len];
      b.getBytes(0, c);
      out.add(c);
    });
    return out;
  }

  private static Message roundTrip(Message m, int max, int expectChunks) {
    List<byte[]> cs = chunks(m, max);
    assertThat(cs).hasSize(expectChunks);
    ShardWire.Assembler a = new ShardWire.Assembler();
    Message back = null;
    for (int i = 0; i < cs.size(); i++) {
      byte[] c = cs.get(i);
      assertThat(c.length).isLessThanOrEqualTo(max);
      back = a.onChunk(7, new UnsafeBuffer(c), 0, c.length);
      assertThat(back == null).isEqualTo(i < cs.size() - 1);
    }
    assertThat(a.incomplete()).isZero();
    return back;
  }

  @Test
  void aPushSplitIntoChunksComesBackWhole() {
    Random r = new Random(1);
    int n = 1000;
    int dim = 16;
    Message m = Message.of(Type.PUSH, 42).table(3).step(17);
    m.learningRate = 0.125;
    m.width = dim;
    m.n = n;
    m.ids = new long[n + 5]; // longer arrays than n: only n items go out
    m.floats = new float[(n + 5) * dim];
    for (int i = 0; i < m.ids.length; i++) {
      m.ids[i] = r.nextLong();
    }
    for (int i = 0; i < m.floats.length; i++) {
      m.floats[i] = (float) r.nextGaussian();
    }
    m.floats[5] = Float.NaN;
    m.floats[6] = -0.0f;
    int max = 8192;
    int per = ShardWire.itemsPerChunk(ShardWire.Body.IDS_FLOATS, dim, max);
    Message back = roundTrip(m, max, (n + per - 1) / per);
    assertThat(back.type).isEqualTo(Type.PUSH);
    assertThat(back.requestId).isEqualTo(42);
    assertThat(back.table).isEqualTo(3);
    assertThat(back.step).isEqualTo(17);
    assertThat(back.learningRate).isEqualTo(0.125);
    assertThat(back.n).isEqualTo(n);
    assertThat(back.ids).containsExactly(java.util.Arrays.copyOf(m.ids, n));
    for (int i = 0; i < n * dim; i++) {
      assertThat(Float.floatToRawIntBits(back.floats[i])).as("float %d", i).isEqualTo(Float.floatToRawIntBits(m.floats[i]));
    }
  }

  @Test
  void pullsWithCountsAndRepliesWithoutItemsRoundTrip() {
    Message m = Message.of(Type.PULL, 9).table(1).step(Long.MAX_VALUE);
    m.n = 3;
    m.ids = new long[] {0, 5, Long.MAX_VALUE};
    m.counts = new int[] {1, 2, Integer.MAX_VALUE};
    Message back = roundTrip(m, 1024, 1);
    assertThat(back.ids).containsExactly(0, 5, Long.MAX_VALUE);
    assertThat(back.counts).containsExactly(1, 2, Integer.MAX_VALUE);
    assertThat(back.step).isEqualTo(Long.MAX_VALUE);

    Message ack = roundTrip(Message.of(Type.ACK, 10), 1024, 1);
    assertThat(ack.type).isEqualTo(Type.ACK);
    assertThat(ack.n).isZero();

    String text = "tables differ: ü".repeat(200);
    Message err = roundTrip(Message.of(Type.ERROR, 11).bytes(text.getBytes(StandardCharsets.UTF_8)), 256, 
        (text.getBytes(StandardCharsets.UTF_8).length + 199) / 200);
    assertThat(err.text()).isEqualTo(text);
  }

  @Test
  void theHeaderIsLittleEndian() {
    Message m = Message.of(Type.LOOKUP, 0x0102030405060708L);
    m.n = 1;
    m.ids = new long[] {0x1122334455667788L};
    byte[] c = chunks(m, 1024).get(0);
    ByteBuffer bb = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(bb.getInt(0)).isEqualTo(ShardWire.MAGIC);
    assertThat(c[0]).isEqualTo((byte) 'T');
    assertThat(bb.getLong(8)).isEqualTo(0x0102030405060708L);
    assertThat(bb.getLong(ShardWire.HEADER)).isEqualTo(0x1122334455667788L);
    assertThat(c).hasSize(ShardWire.HEADER + 8);
  }

  @Test
  void malformedChunksAreRefusedWithTheReason() {
    ShardWire.Assembler a = new ShardWire.Assembler();
    assertThatThrownBy(() -> a.onChunk(1, new UnsafeBuffer(new byte[10]), 0, 10)).hasMessageContaining("shorter than");
    byte[] junk = new byte[ShardWire.HEADER];
    assertThatThrownBy(() -> a.onChunk(1, new UnsafeBuffer(junk), 0, junk.length)).hasMessageContaining("not a parameter-server message");
    Message m = Message.of(Type.LOOKUP, 1);
    m.n = 2;
    m.ids = new long[] {1, 2};
    byte[] c = chunks(m, 1024).get(0);
    byte[] truncated = java.util.Arrays.copyOf(c, c.length - 8);
    assertThatThrownBy(() -> a.onChunk(1, new UnsafeBuffer(truncated), 0, truncated.length)).hasMessageContaining("expected for 2 items");
    c[4] = 9;
    assertThatThrownBy(() -> a.onChunk(1, new UnsafeBuffer(c), 0, c.length)).hasMessageContaining("protocol version 9");
  }

  @Test
  void anItemWiderThanAMessageIsRefused() {
    assertThatThrownBy(() -> ShardWire.itemsPerChunk(ShardWire.Body.FLOATS, 10_000, 8192)).hasMessageContaining("raise the term buffer");
  }

  @Test
  void tableSpecsSurviveTheOpenMessageAndDifferencesAreNamed() {
    List<TableSpec> specs = List.of(TableSpec.unbounded("user", 8, 1000, RowOptimizer.of(RowOptimizer.Kind.SGD), 1),
        new TableSpec("item", 16, 5000, new RowOptimizer.LazyAdam(0.8, 0.99, 1e-7), 0.01, 0.1, 7, 2, 100, TableSpec.Eviction.LFU, 50, 1 << 10));
    byte[] json = ShardControl.write(new ShardControl.Open("127.0.0.1:4000", 1, 2, ShardControl.tables(specs)));
    ShardControl.Open back = ShardControl.read(json, json.length, ShardControl.Open.class);
    assertThat(back.tables().stream().map(ShardControl.Table::spec).toList()).isEqualTo(specs);
    assertThat(ShardControl.difference(specs, specs)).isNull();
    List<TableSpec> other = List.of(specs.get(0), new TableSpec("item", 8, 5000, new RowOptimizer.LazyAdam(0.8, 0.99, 1e-7), 0.01, 0.1, 7, 2,
        100, TableSpec.Eviction.LFU, 50, 1 << 10));
    assertThat(ShardControl.difference(specs, other)).isEqualTo("table 1 (item): dim 16 held, 8 asked");
  }
}
