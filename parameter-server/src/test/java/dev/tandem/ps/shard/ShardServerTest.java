package dev.tandem.ps.shard;

import static dev.tandem.ps.shard.ShardFixtures.client;
import static dev.tandem.ps.shard.ShardFixtures.freePort;
import static dev.tandem.ps.shard.ShardFixtures.server;
import static dev.tandem.ps.shard.ShardFixtures.specs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.trainer.embedding.InProcessEmbeddingStore;
import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.embedding.ShardFailedException;
import dev.tandem.trainer.embedding.ShardUnavailableException;
import dev.tandem.trainer.embedding.ShardedStore;
import dev.tandem.trainer.embedding.TableSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two shards on real Aeron (127.0.0.1) in this JVM, and clients of them. */
class ShardServerTest {
  private ShardServer a;
  private ShardServer b;
  private List<String> addresses;

  @BeforeEach
  void start() throws Exception {
    a = ShardServer.launch(server(freePort()));
    b = ShardServer.launch(server(freePort()));
    addresses = List.of(a.address(), b.address());
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  @Test
  void shardsGiveTheRowsOfOneInProcessStoreBitForBit() {
    try (InProcessEmbeddingStore local = new InProcessEmbeddingStore(specs());
        AeronShardedStore remote = AeronShardedStore.connect(client(addresses), specs())) {
      assertThat(remote.shards()).isEqualTo(2);
      ShardFixtures.sameRows(local, remote, 6, 150, 1);
      List<ShardedStore.ShardStats> stats = remote.shardStats();
      assertThat(stats).extracting(ShardedStore.ShardStats::address).containsExactly(a.address(), b.address());
      // both shards hold some of the rows, together all of them
      assertThat(stats).allSatisfy(s -> assertThat(s.rows()).isPositive());
      assertThat(stats.get(0).rows() + stats.get(1).rows()).isEqualTo(local.stats(0).rows() + local.stats(1).rows());
      assertThat(stats).allSatisfy(s -> {
        assertThat(s.requests()).isPositive();
        assertThat(s.rowsPulled()).isPositive();
        assertThat(s.rowsPushed()).isPositive();
        assertThat(s.bytesIn()).isPositive();
        assertThat(s.bytesOut()).isPositive();
        assertThat(s.bytes()).isPositive();
        assertThat(s.uptimeMs()).isNotNegative();
        // the request thread's CPU handling messages is part of the process's (here the test JVM, both shards in it)
        assertThat(s.serviceCpuNanos()).isPositive().isLessThan(s.processCpuNanos());
      });
      assertThat(stats.get(0).rowsPushed() + stats.get(1).rowsPushed()).isEqualTo(6 * 150 * 2);
      // the shard's own view (what tandem ps prints)
      assertThat(a.stats().shard()).isEqualTo(0);
      assertThat(b.stats().shard()).isEqualTo(1);
      assertThat(b.stats().rowsPushed()).isEqualTo(stats.get(1).rowsPushed());
      assertThat(b.statsLine()).startsWith("shard 1/2 at " + b.address() + ": ");
    }
  }

  /** A shard holds one run's tables: the next run starts on fresh rows, never on the rows the last one trained. */
  @Test
  void aNewRunStartsOnFreshRowsAndARunInUseKeepsItsShards() {
    long[] ids = {3, 17, 401};
    float[] fresh = new float[3 * 8];
    try (InProcessEmbeddingStore untrained = new InProcessEmbeddingStore(specs())) {
      untrained.pull(0, 1, ids, new int[] {1, 1, 1}, 3, fresh);
    }
    try (AeronShardedStore first = AeronShardedStore.connect(client(addresses).run("run-1"), specs())) {
      float[] rows = new float[3 * 8];
      first.pull(0, 1, ids, new int[] {1, 1, 1}, 3, rows);
      float[] gradients = new float[3 * 8];
      java.util.Arrays.fill(gradients, 1f);
      first.push(0, 1, ids, 3, gradients, 0.1);
      float[] trained = new float[3 * 8];
      first.lookup(0, ids, 3, trained);
      assertThat(trained).isNotEqualTo(fresh);
      // while run-1 trains, another run is refused
      assertThatThrownBy(() -> AeronShardedStore.connect(client(addresses).run("run-2"), specs()))
          .isInstanceOf(ShardFailedException.class).hasMessageContaining("holds the tables of run 'run-1'")
          .hasMessageContaining("still training");
    }
    try (AeronShardedStore second = AeronShardedStore.connect(client(addresses).run("run-2"), specs())) {
      float[] rows = new float[3 * 8];
      second.pull(0, 1, ids, new int[] {1, 1, 1}, 3, rows);
      ShardFixtures.assertBits(fresh, rows, "a new run's rows");
    }
  }

  @Test
  void twoWorkersShareTheShardsRows() {
    try (AeronShardedStore one = AeronShardedStore.connect(client(addresses), specs());
        AeronShardedStore other = AeronShardedStore.connect(client(addresses).staleness(1), specs())) {
      long[] ids = {1, 2, 3, 500, 1999};
      int[] counts = {1, 1, 1, 1, 1};
      float[] before = new float[ids.length * 8];
      one.pull(0, 0, ids, counts, ids.length, before);
      float[] g = new float[ids.length * 8];
      java.util.Arrays.fill(g, 1f);
      other.push(0, 0, ids, ids.length, g, 0.5);
      float[] after = new float[ids.length * 8];
      other.lookup(0, ids, ids.length, after); // the same client's lookup follows its push
      float[] seen = new float[ids.length * 8];
      one.lookup(0, ids, ids.length, seen);
      ShardFixtures.assertBits(after, seen, "rows seen by both workers");
      for (int i = 0; i < before.length; i++) {
        // sgd with weight decay 0.01: w - 0.5 * (1 + 0.01 w)
        assertThat(after[i]).isEqualTo(before[i] - 0.5f * (1f + 0.01f * before[i]), org.assertj.core.data.Offset.offset(1e-6f));
      }
    }
  }

  @Test
  void aShardsErrorIsRaisedWithItsMessageAndTheStoreRefusesLaterCalls() {
    try (AeronShardedStore remote = AeronShardedStore.connect(client(addresses), specs())) {
      // a delta needs a full part first: the shard answers ERROR
      assertThatThrownBy(() -> remote.checkpoint("file:///tmp/never", 0, true))
          .isInstanceOf(ShardFailedException.class)
          .hasMessageMatching("parameter-server shard [01] at 127\\.0\\.0\\.1:\\d+ failed: .*") // whichever answered first
          .hasMessageContaining("write a full part first");
      assertThatThrownBy(() -> remote.lookup(0, new long[] {1}, 1, new float[8])).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("unusable");
    }
  }

  @Test
  void aBatchLargerThanOneChunkComesBackWhole() {
    int n = 2_000;
    int perChunk = ShardWire.itemsPerChunk(ShardWire.Body.IDS_FLOATS, 16, ShardFixtures.TERM / 8);
    assertThat(n / 2).as("ids per shard exceed one chunk").isGreaterThan(2 * perChunk);
    try (InProcessEmbeddingStore local = new InProcessEmbeddingStore(specs());
        AeronShardedStore remote = AeronShardedStore.connect(client(addresses), specs())) {
      ShardFixtures.sameRows(local, remote, 2, n, 2);
    }
  }

  @Test
  void stalenessTwoGivesTheRowsOfSynchronousPushes() {
    try (InProcessEmbeddingStore local = new InProcessEmbeddingStore(specs());
        AeronShardedStore remote = AeronShardedStore.connect(client(addresses).staleness(2), specs())) {
      ShardFixtures.sameRows(local, remote, 6, 100, 3);
    }
  }

  @Test
  void anOpenWithOtherTablesIsRefusedNamingTheDifference() {
    try (AeronShardedStore first = AeronShardedStore.connect(client(addresses), specs())) {
      List<TableSpec> other = List.of(specs().get(0), TableSpec.unbounded("item", 4, 5_000, RowOptimizer.of(RowOptimizer.Kind.ADAGRAD), 12));
      assertThatThrownBy(() -> AeronShardedStore.connect(client(addresses), other))
          .isInstanceOf(ShardFailedException.class)
          .hasMessageContaining("tables differ")
          .hasMessageContaining("table 1 (item): dim 16 held, 4 asked");
      // shards in another order: each shard names the mix-up
      assertThatThrownBy(() -> AeronShardedStore.connect(client(List.of(b.address(), a.address())), specs()))
          .isInstanceOf(ShardFailedException.class)
          .hasMessageContaining("takes it for shard");
      // the first client is unaffected
      float[] out = new float[8];
      first.pull(0, 0, new long[] {3}, new int[] {1}, 1, out);
      assertThat(out).isNotEqualTo(new float[8]);
    }
  }

  @Test
  void aClosedShardIsReportedWithinTheTimeoutAndTheStoreRefusesLaterCalls() {
    Duration timeout = Duration.ofSeconds(2);
    AeronShardedStore remote = AeronShardedStore.connect(client(addresses).requestTimeout(timeout), specs());
    try {
      long[] ids = new long[200];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = i;
      }
      int[] counts = new int[ids.length];
      java.util.Arrays.fill(counts, 1);
      float[] out = new float[ids.length * 8];
      remote.pull(0, 0, ids, counts, ids.length, out);
      b.close();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> remote.pull(0, 1, ids, counts, ids.length, out))
          .isInstanceOf(ShardUnavailableException.class)
          .hasMessageContaining("shard 1 at " + b.address())
          .satisfies(e -> assertThat(((ShardUnavailableException) e).shard()).isEqualTo(1));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ms).isLessThan(timeout.toMillis() + 2_500);
      assertThatThrownBy(() -> remote.lookup(0, ids, ids.length, out)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("unusable").hasMessageContaining("shard 1");
    } finally {
      remote.close();
      remote.close();
    }
  }

  @Test
  void badIdsAndTablesAreRefusedBeforeAnythingIsSent() {
    try (AeronShardedStore remote = AeronShardedStore.connect(client(addresses), specs())) {
      float[] out = new float[16];
      assertThatThrownBy(() -> remote.pull(0, 0, new long[] {1, 2_000}, new int[] {1, 1}, 2, out))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id 2000 outside [0, 2000)");
      assertThatThrownBy(() -> remote.lookup(2, new long[] {1}, 1, out)).isInstanceOf(IndexOutOfBoundsException.class);
      // still usable
      remote.lookup(0, new long[] {1}, 1, out);
    }
  }

  @Test
  void settingsAreCheckedNamingTheSetting() {
    assertThatThrownBy(() -> ShardServer.launch(new ShardServer.Context())).hasMessageContaining("port");
    assertThatThrownBy(() -> ShardServer.launch(server(4000).termBufferLength(100_000))).hasMessageContaining("term buffer length");
    assertThatThrownBy(() -> ShardServer.launch(server(4000).aeronDirectory("/no/such/dir"))).hasMessageContaining("aeron directory");
    assertThatThrownBy(() -> AeronShardedStore.connect(client(List.of("localhost")), specs())).hasMessageContaining("shards[0]");
    assertThatThrownBy(() -> AeronShardedStore.connect(client(addresses).staleness(-1), specs())).hasMessageContaining("staleness");
    int taken = Integer.parseInt(a.address().substring(a.address().lastIndexOf(':') + 1));
    assertThatThrownBy(() -> ShardServer.launch(server(taken))).isInstanceOf(dev.tandem.ps.StartupException.class).hasMessageContaining("UDP port " + taken + " on 127.0.0.1 is taken");
    a.close();
    a.close(); // idempotent
  }

  @Test
  void aShardNobodyListensOnIsUnavailable() throws Exception {
    String nowhere = "127.0.0.1:" + freePort();
    assertThatThrownBy(() -> AeronShardedStore.connect(client(List.of(a.address(), nowhere)).requestTimeout(Duration.ofSeconds(1)), specs()))
        .isInstanceOf(ShardUnavailableException.class)
        .hasMessageContaining("shard 1 at " + nowhere);
  }

  @Test
  void aShardRestartedOnItsPortUnderAConnectedWorkerIsReportedAsSuchWithinTheTimeout() throws Exception {
    try (AeronShardedStore remote = AeronShardedStore.connect(client(addresses).requestTimeout(Duration.ofSeconds(2)), specs())) {
      long[] ids = new long[200];
      int[] counts = new int[200];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = i;
        counts[i] = 1;
      }
      float[] out = new float[200 * 8];
      remote.pull(0, 0, ids, counts, 200, out);
      // the shard comes back empty on the same port: it ignores a worker that never opened it (it has nowhere to answer),
      // so the worker's request times out; the error says what may have happened, not only that it timed out
      int port = Integer.parseInt(b.address().substring(b.address().lastIndexOf(':') + 1));
      b.close();
      b = ShardServer.launch(server(port));
      assertThatThrownBy(() -> remote.pull(0, 1, ids, counts, 200, out))
          .isInstanceOf(ShardUnavailableException.class)
          .hasMessageContaining("shard 1 at " + b.address())
          .hasMessageContaining("no answer within 2 s")
          .hasMessageContaining("restarted");
    }
  }
}
