package dev.tandem.ps.shard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.trainer.embedding.EmbeddingStore;
import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.embedding.TableSpec;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/** Free ports, small tables and a training-like sequence of pulls and pushes for the shard tests. */
final class ShardFixtures {
  /** Small terms: 8 KB messages, so batches of a few hundred rows already take several chunks. */
  static final int TERM = 64 * 1024;

  private ShardFixtures() {}

  /** A UDP port free on 127.0.0.1 now (the OS's choice). */
  static int freePort() throws Exception {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
      return s.getLocalPort();
    }
  }

  static ShardServer.Context server(int port) {
    return new ShardServer.Context().host("127.0.0.1").port(port).termBufferLength(TERM);
  }

  static AeronShardedStore.Context client(List<String> shards) {
    return new AeronShardedStore.Context().shards(shards).termBufferLength(TERM);
  }

  /** Two tables (sgd with weight decay, adagrad) of small id spaces. */
  static List<TableSpec> specs() {
    return List.of(
        new TableSpec("user", 8, 2_000, RowOptimizer.of(RowOptimizer.Kind.SGD), 0.01, 0.05, 11, 1, 0, TableSpec.Eviction.LRU, 0, 1 << 16),
        TableSpec.unbounded("item", 16, 5_000, RowOptimizer.of(RowOptimizer.Kind.ADAGRAD), 12));
  }

  /**
   * Drives both stores through the same steps (pulls of repeated and new ids, pushes of random gradients) and checks
   * every pulled row is bit-for-bit the same; then compares lookups of every id of both tables.
   */
  static void sameRows(EmbeddingStore expected, EmbeddingStore actual, int steps, int batch, long seed) {
    Random r = new Random(seed);
    List<TableSpec> specs = expected.tables();
    for (int step = 0; step < steps; step++) {
      for (int t = 0; t < specs.size(); t++) {
        TableSpec spec = specs.get(t);
        int dim = spec.dim();
        // ids drawn from a range that grows with the step: early ids recur, later steps bring new ones
        long range = Math.min(spec.idSpace(), batch * (step + 2L));
        Set<Long> distinct = new LinkedHashSet<>();
        while (distinct.size() < batch) {
          distinct.add((long) (r.nextDouble() * range));
        }
        long[] ids = distinct.stream().mapToLong(Long::longValue).toArray();
        int[] counts = new int[ids.length];
        for (int i = 0; i < counts.length; i++) {
          counts[i] = 1 + r.nextInt(3);
        }
        float[] a = new float[ids.length * dim];
        float[] b = new float[ids.length * dim];
        expected.pull(t, step, ids, counts, ids.length, a);
        actual.pull(t, step, ids, counts, ids.length, b);
        assertBits(a, b, "pull of " + spec.name() + " at step " + step);
        float[] g = new float[ids.length * dim];
        for (int i = 0; i < g.length; i++) {
          g[i] = (float) r.nextGaussian();
        }
        double lr = 0.05 + 0.01 * step;
        expected.push(t, step, ids, ids.length, g, lr);
        actual.push(t, step, ids, ids.length, g, lr);
      }
    }
    for (int t = 0; t < specs.size(); t++) {
      TableSpec spec = specs.get(t);
      long[] all = new long[(int) spec.idSpace()];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      float[] a = new float[all.length * spec.dim()];
      float[] b = new float[all.length * spec.dim()];
      expected.lookup(t, all, all.length, a);
      actual.lookup(t, all, all.length, b);
      assertBits(a, b, "lookup of every id of " + spec.name());
      assertThat(actual.stats(t).rows()).isEqualTo(expected.stats(t).rows()).isPositive();
      assertThat(actual.stats(t).admitted()).isEqualTo(expected.stats(t).admitted());
    }
  }

  static void assertBits(float[] a, float[] b, String what) {
    List<String> diffs = new ArrayList<>();
    for (int i = 0; i < a.length && diffs.size() < 5; i++) {
      if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
        diffs.add("[" + i + "] " + a[i] + " vs " + b[i]);
      }
    }
    assertThat(diffs).as(what).isEmpty();
  }
}
