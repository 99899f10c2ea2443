package dev.tandem.serving;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.tandem.datasets.Entity;
import dev.tandem.datasets.EntityTable;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.retrieval.CandidateIndex;
import dev.tandem.serving.retrieval.Candidates;
import dev.tandem.serving.retrieval.ExactIndex;
import dev.tandem.serving.retrieval.HnswCandidateIndex;
import dev.tandem.trainer.model.InputGroup;
import dev.tandem.trainer.model.ModelSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link Recommender} of a {@link ServingBundle}:
 *
 * <ol>
 *   <li>the request is encoded by the bundle's feature transform: a known user from the raw attributes stored in the
 *       bundle, an unknown user from the request's attributes (cold start), context from the request;</li>
 *   <li>the user tower computes the user vector (cached per user and request attributes);</li>
 *   <li>maximum inner product over the precomputed item vectors (exact, or HNSW for large catalogues) retrieves the
 *       candidates, skipping items the user has seen;</li>
 *   <li>the ranking model scores the candidates (when the bundle has one);</li>
 *   <li>the business rules pick the K results: at most M items per attribute value, a share of exploration items.</li>
 * </ol>
 *
 * An unknown user with no attributes gets the most popular items instead. Results are cached (LRU with TTL).
 */
public final class BundleRecommender implements Recommender {
  private static final Logger LOG = LogManager.getLogger(BundleRecommender.class);
  private static final String KNOWN = "known";
  private static final String COLD = "cold_features";
  private static final String POPULARITY = "popularity";

  private final ServingBundle bundle;
  private final ServingConfig config;
  private final FeatureTransform transform;
  private final CandidateIndex index;
  private final GraphPool userTowers;
  private final GraphPool rankers;
  private final BusinessRules rules;
  private final Set<String> userSources;
  private final Set<String> contextSources;
  private final int[] popularOrder;
  private final Cache<UserKey, float[]> userVectors;
  private final Cache<RecommendRequest, Recommendations> results;

  private record UserKey(String user, Map<String, String> attributes) {}

  /** Serves {@code bundle} with its own serving configuration (or the defaults). */
  public BundleRecommender(ServingBundle bundle) {
    this(bundle, bundle.servingYaml() == null ? ServingConfig.defaults()
        : ServingConfig.parse(bundle.servingYaml(), bundle.name() + " v" + bundle.version() + "/" + ServingBundle.SERVING));
  }

  public BundleRecommender(ServingBundle bundle, ServingConfig config) {
    this.bundle = bundle;
    this.config = config;
    this.transform = bundle.transform();
    this.rules = new BusinessRules(config.rules(), bundle.items(), transform);
    this.index = buildIndex(bundle, config.retrieval());
    this.userTowers = new GraphPool(bundle.userTower());
    this.rankers = bundle.hasRanking() && config.ranking().enabled() ? new GraphPool(bundle.ranking()) : null;
    this.userSources = new LinkedHashSet<>(transform.sources(Entity.USER));
    this.contextSources = new LinkedHashSet<>(transform.sources(Entity.CONTEXT));
    this.popularOrder = popularityOrder(bundle.popularity());
    this.userVectors = cache(config.cache());
    this.results = cache(config.cache());
  }

  private static <K, V> Cache<K, V> cache(ServingConfig.Cache c) {
    return Caffeine.newBuilder().maximumSize(c.enabled() ? c.maxEntries() : 0).expireAfterWrite(Duration.ofSeconds(c.ttlSeconds()))
        .recordStats().build();
  }

  private static CandidateIndex buildIndex(ServingBundle b, ServingConfig.Retrieval r) {
    int n = b.itemVectors().size();
    if (r.effectiveIndex(n) == ServingConfig.IndexKind.HNSW) {
      long t = System.nanoTime();
      HnswCandidateIndex h = HnswCandidateIndex.build(b.itemVectors(), r.hnsw().m(), r.hnsw().efConstruction(), r.hnsw().ef(),
          Runtime.getRuntime().availableProcessors());
      LOG.info("built the HNSW index of {} items in {} s", n, String.format("%.1f", (System.nanoTime() - t) / 1e9));
      return h;
    }
    return new ExactIndex(b.itemVectors());
  }

  /** Item rows by train popularity, most popular first (ties: lower row). */
  private static int[] popularityOrder(float[] popularity) {
    Integer[] order = new Integer[popularity.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> popularity[a] != popularity[b] ? Float.compare(popularity[b], popularity[a]) : Integer.compare(a, b));
    return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
  }

  @Override
  public Recommendations recommend(RecommendRequest req) {
    validate(req);
    boolean cache = req.useCache() && config.cache().enabled();
    RecommendRequest key = cache ? req.withExplain(false) : null;
    if (cache) {
      Recommendations hit = results.getIfPresent(key);
      if (hit != null) {
        return hit.served(true, req.explain());
      }
    }
    Recommendations r = compute(req, cache);
    if (cache) {
      results.put(key, r);
    }
    return r.served(false, req.explain());
  }

  private void validate(RecommendRequest req) {
    if (req.user() == null || req.user().isBlank()) {
      throw new IllegalArgumentException("a user id is required");
    }
    if (req.k() < 1 || req.k() > config.maxK()) {
      throw new IllegalArgumentException("k must be between 1 and " + config.maxK() + ", was " + req.k());
    }
    for (String a : req.attributes().keySet()) {
      if (!userSources.contains(a) && !contextSources.contains(a)) {
        throw new IllegalArgumentException("unknown attribute '" + a + "'; this model reads " + attributeNames());
      }
    }
  }

  /** The request attributes this model reads: user attributes (for cold start) and context. */
  public List<String> attributeNames() {
    List<String> out = new ArrayList<>();
    for (String s : userSources) {
      if (!s.equals("user_id")) {
        out.add(s);
      }
    }
    out.addAll(contextSources);
    return out;
  }

  private Recommendations compute(RecommendRequest req, boolean cache) {
    EntityTable users = bundle.users();
    EntityTable items = bundle.items();
    int row = users.row(req.user());
    Map<String, String> context = new TreeMap<>();
    Map<String, String> userAttributes = new TreeMap<>();
    for (Map.Entry<String, String> e : req.attributes().entrySet()) {
      (contextSources.contains(e.getKey()) ? context : userAttributes).put(e.getKey(), e.getValue());
    }
    String path;
    if (row >= 0) {
      userAttributes = new TreeMap<>(users.attributes(row)); // a known user is encoded from what the bundle holds
      path = KNOWN;
    } else {
      path = userAttributes.isEmpty() ? POPULARITY : COLD;
      userAttributes.put("user_id", req.user());
    }

    BitSet excluded = new BitSet(); // grows to the highest excluded row only: no catalogue-sized allocation per request
    if (rules.excludeSeen() && row >= 0) {
      for (int it : bundle.seen(row)) {
        excluded.set(it);
      }
    }
    for (String id : req.exclude()) {
      int it = items.row(id);
      if (it >= 0) {
        excluded.set(it);
      }
    }
    int k = req.k();
    int explore = rules.explorationSlots(k);
    int n = Math.max(config.retrieval().candidates(), k + explore);

    long t0 = System.nanoTime();
    float[] userVector = null;
    Candidates cands;
    long t1 = t0;
    if (path.equals(POPULARITY)) {
      cands = popular(n, excluded);
    } else {
      Map<String, String> ua = userAttributes;
      userVector = cache ? userVectors.get(new UserKey(req.user(), req.attributes()), key -> userVector(ua, context))
          : userVector(ua, context);
      t1 = System.nanoTime();
      cands = index.search(userVector, n, excluded);
    }
    long t2 = System.nanoTime();
    float[] ranking = rankers != null && !path.equals(POPULARITY) ? rank(userAttributes, context, cands.rows()) : null;
    long t3 = System.nanoTime();

    Integer[] order = new Integer[cands.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    if (ranking != null) {
      final float[] s = ranking;
      // stable: equal ranking scores keep the retrieval order
      Arrays.sort(order, (a, b) -> Float.compare(s[b], s[a]));
    }

    BusinessRules.Caps caps = rules.caps();
    List<Integer> chosen = new ArrayList<>();
    List<Integer> rest = new ArrayList<>();
    for (int pos : order) {
      if (chosen.size() >= k - explore) {
        rest.add(pos);
      } else if (caps.take(cands.rows()[pos], items.id(cands.rows()[pos]))) {
        chosen.add(pos);
      }
    }

    List<Recommendations.Detail> details = new ArrayList<>();
    for (int pos : chosen) {
      details.add(detail(cands, pos, ranking, false, path, items));
    }
    if (explore > 0) {
      SplittableRandom rnd = rules.random(req.user());
      List<Recommendations.Detail> extra = new ArrayList<>();
      if (rules.exploreFromCatalogue()) {
        BitSet taken = (BitSet) excluded.clone();
        for (int pos : chosen) {
          taken.set(cands.rows()[pos]);
        }
        int free = items.size() - taken.cardinality();
        for (int attempts = 0; extra.size() < Math.min(explore, free) && attempts < 100 * explore; attempts++) {
          int it = rnd.nextInt(items.size());
          if (!taken.get(it)) {
            taken.set(it);
            float score = userVector != null ? bundle.itemVectors().dot(it, userVector) : bundle.popularity()[it];
            extra.add(new Recommendations.Detail(items.id(it), score, userVector != null ? (double) score : null, null, null, true,
                items.attributes(it)));
          }
        }
      } else {
        List<Integer> pool = new ArrayList<>(rest);
        for (int j = 0; j < explore && !pool.isEmpty(); j++) {
          int pick = pool.remove(rnd.nextInt(pool.size()));
          extra.add(detail(cands, pick, ranking, true, path, items));
        }
      }
      // exploration items go to evenly spaced slots, so they are seen without taking the top positions
      int total = details.size() + extra.size();
      for (int j = 0; j < extra.size(); j++) {
        int at = Math.min(details.size(), (int) ((long) (j + 1) * total / (extra.size() + 1)));
        details.add(at, extra.get(j));
      }
    }

    List<String> ids = new ArrayList<>(details.size());
    List<Double> scores = new ArrayList<>(details.size());
    List<String> exploration = new ArrayList<>();
    for (Recommendations.Detail d : details) {
      ids.add(d.id());
      scores.add(d.score());
      if (d.explore()) {
        exploration.add(d.id());
      }
    }
    long t4 = System.nanoTime();
    Map<String, String> features = new LinkedHashMap<>(userAttributes);
    features.putAll(context);
    Map<String, Double> stages = new LinkedHashMap<>();
    stages.put("user_vector", (t1 - t0) / 1e6);
    stages.put("retrieval", (t2 - t1) / 1e6);
    stages.put("ranking", (t3 - t2) / 1e6);
    stages.put("rules", (t4 - t3) / 1e6);
    Recommendations.Explanation why = new Recommendations.Explanation(features, path.equals(POPULARITY) ? "popularity" : index.kind(),
        cands.size(), excluded.cardinality(), ranking != null, caps.capped(), explore, stages);
    return new Recommendations(bundle.name(), bundle.version(), req.user(), path, List.copyOf(ids), List.copyOf(scores),
        List.copyOf(exploration), false, List.copyOf(details), why);
  }

  private Recommendations.Detail detail(Candidates cands, int pos, float[] ranking, boolean explore, String path, EntityTable items) {
    int it = cands.rows()[pos];
    double retrieval = cands.scores()[pos];
    Double rank = ranking == null ? null : (double) ranking[pos];
    boolean popularity = path.equals(POPULARITY);
    return new Recommendations.Detail(items.id(it), rank != null ? rank : retrieval, popularity ? null : retrieval, pos + 1, rank, explore,
        items.attributes(it));
  }

  private Candidates popular(int n, BitSet excluded) {
    int[] rows = new int[Math.min(n, popularOrder.length)];
    float[] scores = new float[rows.length];
    int k = 0;
    for (int i = 0; i < popularOrder.length && k < rows.length; i++) {
      int it = popularOrder[i];
      if (!excluded.get(it)) {
        rows[k] = it;
        scores[k++] = bundle.popularity()[it];
      }
    }
    return new Candidates(Arrays.copyOf(rows, k), Arrays.copyOf(scores, k));
  }

  /** The user vector of a user the bundle knows (or of an unknown id without attributes), without context. */
  public float[] userVector(String user) {
    int row = bundle.users().row(user);
    return userVector(row >= 0 ? bundle.users().attributes(row) : Map.of("user_id", user), Map.of());
  }

  /** The user tower's output for raw user attributes and context, encoded by the bundle's transform. */
  float[] userVector(Map<String, String> userAttributes, Map<String, String> context) {
    EncodedTable user = transform.encodeOne(Entity.USER, userAttributes);
    EncodedTable ctx = transform.encodeOne(Entity.CONTEXT, context);
    ModelSpec spec = bundle.retrievalSpec();
    INDArray[] in = spec.query().arrays(1, source(user, ctx, null, new int[1], null));
    return userTowers.with(g -> g.outputSingle(false, in).toFloatVector());
  }

  /** The ranking model's probabilities for the user and context with each candidate item. */
  float[] rank(Map<String, String> userAttributes, Map<String, String> context, int[] candidateRows) {
    if (candidateRows.length == 0) {
      return new float[0];
    }
    EncodedTable user = transform.encodeOne(Entity.USER, userAttributes);
    EncodedTable ctx = transform.encodeOne(Entity.CONTEXT, context);
    ModelSpec spec = bundle.rankingSpec();
    InputGroup x = spec.query();
    INDArray[] in = x.arrays(candidateRows.length, source(user, ctx, bundle.items().encoded(), new int[candidateRows.length], candidateRows));
    return rankers.with(g -> {
      INDArray out = g.outputSingle(false, in);
      if (out.size(1) > 1) {
        out = out.getColumn(spec.targets().main());
      }
      return out.reshape(candidateRows.length).toFloatVector();
    });
  }

  /** Feature rows: the one encoded user and context row for every example, items at their catalogue rows. */
  private InputGroup.RowSource source(EncodedTable user, EncodedTable ctx, EncodedTable items, int[] zeros, int[] itemRows) {
    Map<String, Entity> entity = new HashMap<>();
    return new InputGroup.RowSource() {
      @Override
      public EncodedColumn column(String feature) {
        return switch (entity.computeIfAbsent(feature, f -> transform.feature(f).entity())) {
          case USER -> user.column(feature);
          case CONTEXT -> ctx.column(feature);
          case ITEM -> items.column(feature);
        };
      }

      @Override
      public int[] rows(String feature) {
        return transform.feature(feature).entity() == Entity.ITEM ? itemRows : zeros;
      }
    };
  }

  @Override
  public String model() {
    return bundle.name();
  }

  @Override
  public int version() {
    return bundle.version();
  }

  @Override
  public int catalogueSize() {
    return bundle.items().size();
  }

  /** The index serving retrieval. */
  public CandidateIndex index() {
    return index;
  }

  public ServingBundle bundle() {
    return bundle;
  }

  public ServingConfig config() {
    return config;
  }

  @Override
  public Map<String, CacheReport> caches() {
    Map<String, CacheReport> out = new LinkedHashMap<>();
    out.put("user_vectors", report(userVectors));
    out.put("results", report(results));
    return out;
  }

  private static CacheReport report(Cache<?, ?> c) {
    CacheStats s = c.stats();
    long lookups = s.hitCount() + s.missCount();
    return new CacheReport(s.hitCount(), s.missCount(), lookups == 0 ? Double.NaN : s.hitRate(), c.estimatedSize());
  }

  @Override
  public void close() {
    userVectors.invalidateAll();
    results.invalidateAll();
  }
}
