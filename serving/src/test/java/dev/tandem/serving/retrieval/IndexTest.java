package dev.tandem.serving.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.serving.bench.SyntheticCatalogue;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class IndexTest {

  /** Brute force with plain per-item dot products: ranks by score, ties to the lower row. */
  static int[] bruteForce(ItemVectors v, float[] q, int n, BitSet excluded) {
    float[] s = new float[v.size()];
    for (int i = 0; i < v.size(); i++) {
      s[i] = v.dot(i, q);
    }
    return IntStream.range(0, v.size()).filter(i -> excluded == null || !excluded.get(i)).boxed()
        .sorted((a, b) -> s[a] != s[b] ? Float.compare(s[b], s[a]) : Integer.compare(a, b)).limit(n).mapToInt(Integer::intValue).toArray();
  }

  @Test
  void exactSearchMatchesBruteForceWithExclusionsAndTies() {
    int dim = 16;
    float[] rows = SyntheticCatalogue.clustered(10_000, dim, 50, 0.3, 1);
    // duplicate a few vectors: equal scores must come back in row order
    System.arraycopy(rows, 0, rows, 5000 * dim, dim);
    System.arraycopy(rows, 0, rows, 7000 * dim, dim);
    ItemVectors v = ItemVectors.fromRows(rows, dim);
    ExactIndex exact = new ExactIndex(v);
    SplittableRandom r = new SplittableRandom(2);
    for (int q = 0; q < 20; q++) {
      float[] query = v.row(r.nextInt(v.size()));
      if (q == 0) {
        query = v.row(0);
      }
      BitSet excluded = new BitSet();
      for (int e = 0; e < 300; e++) {
        excluded.set(r.nextInt(v.size()));
      }
      excluded.clear(0);
      Candidates c = exact.search(query, 100, excluded);
      int[] expected = bruteForce(v, query, 100, excluded);
      // per-block accumulation sums in another order than the brute force, so allow float-rounding-level swaps
      assertThat(overlap(c.rows(), expected)).isGreaterThanOrEqualTo(99);
      for (int i = 1; i < c.size(); i++) {
        assertThat(c.scores()[i]).isLessThanOrEqualTo(c.scores()[i - 1]);
      }
      assertThat(c.rows()).doesNotHaveDuplicates();
      assertThat(Arrays.stream(c.rows()).noneMatch(excluded::get)).isTrue();
      if (q == 0) {
        assertThat(Arrays.copyOf(c.rows(), 3)).containsExactly(0, 5000, 7000);
      }
    }
    assertThat(exact.search(v.row(1), 20_000, null).size()).isEqualTo(10_000);
  }

  @Test
  void hnswRecallAt100IsAtLeast95PercentOfExact() {
    int dim = 32;
    ItemVectors v = ItemVectors.fromRows(SyntheticCatalogue.clustered(10_000, dim, 100, 0.25, 3), dim);
    ExactIndex exact = new ExactIndex(v);
    HnswCandidateIndex hnsw = HnswCandidateIndex.build(v, 16, 200, 200, 2);
    float[] queries = SyntheticCatalogue.clustered(200, dim, 100, 0.35, 4);
    double recall = 0;
    for (int q = 0; q < 200; q++) {
      float[] query = Arrays.copyOfRange(queries, q * dim, (q + 1) * dim);
      recall += overlap(hnsw.search(query, 100, null).rows(), exact.search(query, 100, null).rows()) / 100.0;
    }
    recall /= 200;
    assertThat(recall).as("HNSW recall@100").isGreaterThanOrEqualTo(0.95);

    // excluded items are filtered out and made up for
    float[] query = Arrays.copyOfRange(queries, 0, dim);
    BitSet excluded = new BitSet();
    for (int row : exact.search(query, 150, null).rows()) {
      excluded.set(row);
    }
    Candidates c = hnsw.search(query, 100, excluded);
    assertThat(c.size()).isEqualTo(100);
    assertThat(c.rows()).doesNotHaveDuplicates();
    assertThat(Arrays.stream(c.rows()).noneMatch(excluded::get)).isTrue();
  }

  @Test
  void hnswGraphsSaveAndLoad() throws Exception {
    int dim = 8;
    ItemVectors v = ItemVectors.fromRows(SyntheticCatalogue.clustered(2_000, dim, 20, 0.2, 5), dim);
    HnswCandidateIndex built = HnswCandidateIndex.build(v, 8, 50, 50, 1);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    built.save(bytes);
    HnswCandidateIndex loaded = HnswCandidateIndex.load(v, new java.io.ByteArrayInputStream(bytes.toByteArray()));
    float[] q = v.row(7);
    assertThat(loaded.search(q, 20, null).rows()).containsExactly(built.search(q, 20, null).rows());
    ItemVectors other = ItemVectors.fromRows(SyntheticCatalogue.clustered(1_000, dim, 20, 0.2, 5), dim);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> HnswCandidateIndex.load(other, new java.io.ByteArrayInputStream(bytes.toByteArray())))
        .isInstanceOf(java.io.IOException.class).hasMessageContaining("2000 items");
  }

  @Test
  void hnswBuildReportsEveryInsertedItemAsProgress() {
    int dim = 8;
    ItemVectors v = ItemVectors.fromRows(SyntheticCatalogue.clustered(3_001, dim, 20, 0.2, 5), dim);
    java.util.concurrent.atomic.AtomicLong advanced = new java.util.concurrent.atomic.AtomicLong();
    long[] total = {0};
    boolean[] closed = {false};
    dev.tandem.progress.Progress counting = (name, t, unit) -> {
      total[0] = t;
      return new dev.tandem.progress.Progress.Task() {
        @Override
        public void advance(long units) {
          advanced.addAndGet(units);
        }

        @Override
        public void close() {
          closed[0] = true;
        }
      };
    };
    HnswCandidateIndex.build(v, 8, 50, 50, 2, counting);
    assertThat(total[0]).isEqualTo(3_001);
    assertThat(advanced.get()).isEqualTo(3_001);
    assertThat(closed[0]).isTrue();
  }

  static int overlap(int[] a, int[] b) {
    Set<Integer> s = new HashSet<>();
    for (int x : b) {
      s.add(x);
    }
    int n = 0;
    for (int x : a) {
      if (s.contains(x)) {
        n++;
      }
    }
    return n;
  }
}
