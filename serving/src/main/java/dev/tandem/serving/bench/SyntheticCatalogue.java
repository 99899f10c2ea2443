package dev.tandem.serving.bench;

import dev.tandem.datasets.Entity;
import dev.tandem.datasets.EntityTable;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.retrieval.ItemVectors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Large synthetic catalogues for latency benchmarks. Real item embeddings are clustered (items of a genre, a creator,
 * a season lie close together), and ANN indexes behave very differently on clustered data than on uniformly random
 * vectors, so catalogues here are grown around centres: either random centres, or the item vectors of a trained
 * bundle (each synthetic item is a noisy copy of a real one and inherits its attributes).
 */
public final class SyntheticCatalogue {
  private SyntheticCatalogue() {}

  /** {@code n} unit vectors (row-major) around {@code clusters} random unit centres; {@code noise} is per-dimension. */
  public static float[] clustered(int n, int dim, int clusters, double noise, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] centres = new float[clusters * dim];
    for (int c = 0; c < clusters; c++) {
      gaussianUnit(r, centres, c * dim, dim);
    }
    int[] centreOf = new int[n];
    for (int i = 0; i < n; i++) {
      centreOf[i] = r.nextInt(clusters);
    }
    return around(centres, dim, centreOf, noise, r.split());
  }

  /** Unit vectors {@code centre + noise * N(0, I)}, normalised, one per entry of {@code centreOf}. */
  public static float[] around(float[] centres, int dim, int[] centreOf, double noise, SplittableRandom r) {
    float[] out = new float[centreOf.length * dim];
    for (int i = 0; i < centreOf.length; i++) {
      double norm = 0;
      for (int d = 0; d < dim; d++) {
        double v = centres[centreOf[i] * dim + d] + noise * r.nextGaussian();
        out[i * dim + d] = (float) v;
        norm += v * v;
      }
      float inv = (float) (1 / Math.sqrt(Math.max(norm, 1e-12)));
      for (int d = 0; d < dim; d++) {
        out[i * dim + d] *= inv;
      }
    }
    return out;
  }

  private static void gaussianUnit(SplittableRandom r, float[] out, int at, int dim) {
    double norm = 0;
    for (int d = 0; d < dim; d++) {
      double v = r.nextGaussian();
      out[at + d] = (float) v;
      norm += v * v;
    }
    for (int d = 0; d < dim; d++) {
      out[at + d] /= (float) Math.sqrt(norm);
    }
  }

  /**
   * The bundle's models over a catalogue of {@code n} items grown around its real items: item {@code i} is a noisy copy
   * of real item {@code i % real} (vector, attributes and popularity), with id {@code syn-<i>}.
   */
  public static ServingBundle grow(ServingBundle bundle, int n, double noise, long seed) {
    ItemVectors real = bundle.itemVectors();
    int dim = real.dim();
    int m = real.size();
    float[] centres = new float[m * dim];
    for (int i = 0; i < m; i++) {
      System.arraycopy(real.row(i), 0, centres, i * dim, dim);
    }
    int[] centreOf = new int[n];
    for (int i = 0; i < n; i++) {
      centreOf[i] = i % m;
    }
    ItemVectors vectors = ItemVectors.fromRows(around(centres, dim, centreOf, noise, new SplittableRandom(seed)), dim);
    EntityTable items = bundle.items();
    String[] ids = new String[n];
    Map<String, String[]> raw = new LinkedHashMap<>();
    for (String col : items.rawColumns()) {
      raw.put(col, new String[n]);
    }
    float[] popularity = new float[n];
    for (int i = 0; i < n; i++) {
      ids[i] = "syn-" + i;
      int c = centreOf[i];
      for (Map.Entry<String, String[]> e : raw.entrySet()) {
        e.getValue()[i] = items.raw().get(e.getKey())[c];
      }
      popularity[i] = bundle.popularity()[c];
    }
    // the item_id feature sees unknown ids (out of vocabulary), as a brand-new catalogue would
    return bundle.withCatalogue(vectors, new EntityTable(Entity.ITEM, ids, raw, bundle.transform()), popularity);
  }
}
