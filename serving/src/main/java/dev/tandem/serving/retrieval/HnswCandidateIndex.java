package dev.tandem.serving.retrieval;

import com.github.jelmerk.knn.DistanceFunctions;
import com.github.jelmerk.knn.Item;
import com.github.jelmerk.knn.SearchResult;
import com.github.jelmerk.knn.hnsw.HnswIndex;
import dev.tandem.progress.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
  /** The graph; null once closed (searches in progress keep their own reference). */
  private volatile HnswIndex<Integer, float[], VectorItem, Float> index;

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
    return build(vectors, m, efConstruction, ef, threads, Progress.NONE);
  }

  /**
   * Builds the graph over every item with {@code threads} threads, reporting items inserted to {@code progress}: a
   * million-item graph takes minutes to tens of minutes on a small machine.
   */
  public static HnswCandidateIndex build(ItemVectors vectors, int m, int efConstruction, int ef, int threads,
      Progress progress) {
    HnswIndex<Integer, float[], VectorItem, Float> index = HnswIndex
        .newBuilder(vectors.dim(), DistanceFunctions.FLOAT_INNER_PRODUCT, Math.max(1, vectors.size()))
        .withM(m).withEfConstruction(efConstruction).withEf(ef).build();
    List<VectorItem> items = new ArrayList<>(vectors.size());
    for (int i = 0; i < vectors.size(); i++) {
      items.add(new VectorItem(i, vectors.row(i)));
    }
    int every = Math.max(1, items.size() / 1000);
    try (Progress.Task task = progress.start("HNSW graph of " + items.size() + " items", items.size(), "items")) {
      long[] reported = {0};
      // hnswlib calls the listener from its worker threads
      index.addAll(items, Math.max(1, threads), (done, max) -> {
        synchronized (reported) {
          if (done > reported[0]) {
            task.advance(done - reported[0]);
            reported[0] = done;
          }
        }
      }, every);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the HNSW index", e);
    }
    return new HnswCandidateIndex(vectors, index);
  }

  @Override
  public Candidates search(float[] query, int n, BitSet excluded) {
    HnswIndex<Integer, float[], VectorItem, Float> index = graph();
    if (query.length != vectors.dim()) {
      throw new IllegalArgumentException("query has dimension " + query.length + ", items " + vectors.dim());
    }
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

  /**
   * Writes the graph (hnswlib's own format: Java serialisation of the index and its items), so that a large catalogue's
   * index is built once rather than at every start.
   */
  public void save(OutputStream out) throws IOException {
    graph().save(out);
  }

  /** Reads a graph written by {@link #save} for the same item vectors; refuses one of another size or dimension. */
  public static HnswCandidateIndex load(ItemVectors vectors, InputStream in) throws IOException {
    HnswIndex<Integer, float[], VectorItem, Float> index = HnswIndex.load(in, HnswCandidateIndex.class.getClassLoader());
    if (index.size() != vectors.size() || index.getDimensions() != vectors.dim()) {
      throw new IOException("the saved HNSW index has " + index.size() + " items of dimension " + index.getDimensions()
          + ", the catalogue " + vectors.size() + " of dimension " + vectors.dim());
    }
    return new HnswCandidateIndex(vectors, index);
  }

  /** Sets the search beam (at least the number of candidates asked for is always used). */
  public void ef(int ef) {
    graph().setEf(ef);
  }

  private HnswIndex<Integer, float[], VectorItem, Float> graph() {
    HnswIndex<Integer, float[], VectorItem, Float> g = index;
    if (g == null) {
      throw new IllegalStateException("the HNSW index is closed");
    }
    return g;
  }

  /** Drops the graph, so its heap can be reclaimed; searches in progress finish, later ones throw. */
  @Override
  public void close() {
    index = null;
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
