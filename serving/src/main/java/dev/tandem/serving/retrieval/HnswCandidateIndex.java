package dev.tandem.serving.retrieval;

import com.github.jelmerk.knn.DistanceFunctions;
import com.github.jelmerk.knn.Item;
import com.github.jelmerk.knn.SearchResult;
import com.github.jelmerk.knn.hnsw.HnswIndex;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Approximate maximum-inner-product search with an HNSW graph (hnswlib-core). The two-tower's vectors are
 * L2-normalised, so the inner product equals the cosine and HNSW's inner-product distance {@code 1 - q·x} is a proper
 * nearest-neighbour problem. Excluded items are filtered after the search, which asks for more neighbours to make up
 * for them. Returned scores are the exact inner products of the items found.
 */
public final class HnswCandidateIndex implements CandidateIndex {
  private final ItemVectors vectors;
  private final HnswIndex<Integer, float[], VectorItem, Float> index;

  /** One catalogue item in the graph. */
  record VectorItem(Integer id, float[] vector) implements Item<Integer, float[]> {
    private static final long serialVersionUID = 1L;

    @Override
    public int dimensions() {
      return vector.length;
    }
  }

  private HnswCandidateIndex(ItemVectors vectors, HnswIndex<Integer, float[], VectorItem, Float> index) {
    this.vectors = vectors;
    this.index = index;
  }

  /** Builds the graph over every item with {@code threads} threads. */
  public static HnswCandidateIndex build(ItemVectors vectors, int m, int efConstruction, int ef, int threads) {
    HnswIndex<Integer, float[], VectorItem, Float> index = HnswIndex
        .newBuilder(vectors.dim(), DistanceFunctions.FLOAT_INNER_PRODUCT, Math.max(1, vectors.size()))
        .withM(m).withEfConstruction(efConstruction).withEf(ef).build();
    List<VectorItem> items = new ArrayList<>(vectors.size());
    for (int i = 0; i < vectors.size(); i++) {
      items.add(new VectorItem(i, vectors.row(i)));
    }
    try {
      index.addAll(items, Math.max(1, threads), (done, max) -> { }, Integer.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the HNSW index", e);
    }
    return new HnswCandidateIndex(vectors, index);
  }

  @Override
  public Candidates search(float[] query, int n, BitSet excluded) {
    int size = vectors.size();
    int excludedCount = excluded == null ? 0 : excluded.cardinality();
    int want = Math.min(n, size - excludedCount);
    int ask = Math.min(size, n + excludedCount);
    while (true) {
      List<SearchResult<VectorItem, Float>> found = index.findNearest(query, ask);
      TopK top = new TopK(Math.max(0, Math.min(n, want)));
      int kept = 0;
      for (SearchResult<VectorItem, Float> r : found) {
        int row = r.item().id();
        if (excluded == null || !excluded.get(row)) {
          top.offer(row, vectors.dot(row, query));
          kept++;
        }
      }
      if (kept >= want || ask >= size) {
        return top.drain();
      }
      ask = Math.min(size, ask * 2); // many excluded items among the nearest: look further
    }
  }

  /** Sets the search beam (at least the number of candidates asked for is always used). */
  public void ef(int ef) {
    index.setEf(ef);
  }

  @Override
  public String kind() {
    return "hnsw";
  }

  @Override
  public int size() {
    return vectors.size();
  }
}
