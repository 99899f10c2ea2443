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
import dev.tandem.serving.history.LiveHistory;
import dev.tandem.serving.retrieval.CandidateIndex;
import dev.tandem.serving.retrieval.Candidates;
import dev.tandem.serving.retrieval.ExactIndex;
import dev.tandem.serving.retrieval.HnswCandidateIndex;
import dev.tandem.trainer.model.InputGroup;
import dev.tandem.trainer.model.ModelSpec;
import java.time.Clock;
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
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link Recommender} of a {@link ServingBundle}. A request goes through these stages, each a method below:
 *
 * <ol>
 *   <li>{@link #subject}: choose the path from what the bundle knows: a known user is encoded from the raw attributes
 *       the bundle stores, an unknown user from the request's attributes (cold start), or, without attributes, gets
 *       the most popular items; context comes from the request;</li>
 *   <li>{@link #userVector(Subject, RecommendRequest, boolean)}: the user tower's vector (cached per user and request
 *       attributes);</li>
 *   <li>{@link #candidates}: maximum inner product over the precomputed item vectors (exact, or HNSW for large
 *       catalogues), or the most popular items, skipping what the rules exclude;</li>
 *   <li>{@link #rank}: the ranking model's probabilities for the candidates (when the bundle has one), and their order;</li>
 *   <li>{@link BusinessRules#select}: the business rules pick the K results;</li>
 *   <li>{@link #assemble}: scores, details and the explanation of the answer.</li>
 * </ol>
 *
 * Whole results are cached too (LRU with TTL).
 *
 * <p><b>History.</b> When the bundle's transform has history features, the recommender keeps a {@link LiveHistory}
 * (the bundle's events, then those posted since) and computes them as of the request's time (the injected clock)
 * through the datasets module's code: the user tower's row gets the user's history (no candidate), each ranking
 * candidate the (user, candidate) history. A cached user vector or result belongs to the user's history as it was: an
 * event of the user makes it unreachable at once, and nothing of a user is cached while one of the user's events
 * still waits to become visible. Values that drift with time alone (trailing windows, time since the last event) and
 * the history of candidate items are as fresh as the cache's TTL. Bundles without history features are served exactly
 * as before.
 *
 * <p>{@link #close()} releases what the recommender made: its copies of the
 * models, the retrieval index it built, and the caches; the bundle stays its owner's.
 */
public final class BundleRecommender implements Recommender {
  private static final Logger LOG = LogManager.getLogger(BundleRecommender.class);

  private final ServingBundle bundle;
  private final ServingConfig config;
  private final FeatureTransform transform;
  private final CandidateIndex index;
  /** Whether {@link #index} was built here (and is closed here) rather than handed in by the caller. */
  private final boolean ownsIndex;
  private final GraphPool userTowers;
  private final GraphPool rankers;
  private final BusinessRules rules;
  private final Set<String> userSources;
  private final Set<String> contextSources;
  private final int[] popularOrder;
  private final Cache<UserKey, float[]> userVectors;
  private final Cache<ResultKey, Recommendations> results;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** The live history of the transform's history features; null when it has none. */
  private final LiveHistory history;
  /** Whether the user tower reads a user-side history feature (then an unknown user with events is not a popularity case). */
  private final boolean towerReadsHistory;
  /** Whether the ranking model reads a history feature (else candidates' history is not computed). */
  private final boolean rankerReadsHistory;

  /** A cached user vector: of a user with these attributes, as of the user's {@code generation} of events. */
  private record UserKey(String user, Map<String, String> attributes, long generation) {}

  /** A cached result: of this request, as of the user's {@code generation} of events. */
  private record ResultKey(RecommendRequest request, long generation) {}

  /**
   * Who a request is for, once the path is chosen.
   *
   * @param row            the user's row in the bundle, or -1 for an unknown user
   * @param userAttributes the raw user attributes the user vector is encoded from (sorted)
   * @param context        the request's context attributes (sorted)
   */
  private record Subject(int row, RecommendationPath path, Map<String, String> userAttributes, Map<String, String> context,
      int historyRow, long now, long[] historyNanos) {}

  /** Candidates in ranked order: the ranking model's scores by candidate position (null when not ranked). */
  private record Ranked(float[] scores, int[] order) {}

  /** Serves {@code bundle} with its own serving configuration (or the defaults). */
  public BundleRecommender(ServingBundle bundle) {
    this(bundle, bundle.servingYaml() == null ? ServingConfig.defaults()
        : ServingConfig.parse(bundle.servingYaml(), bundle.name() + " v" + bundle.version() + "/" + ServingBundle.SERVING));
  }

  /** Serves {@code bundle} with {@code config}, building the retrieval index the configuration asks for. */
  public BundleRecommender(ServingBundle bundle, ServingConfig config) {
    this(bundle, config, null);
  }

  /**
   * With a retrieval index built beforehand over the bundle's item vectors (null: build one per the configuration). An
   * index handed in stays the caller's: {@link #close()} does not close it.
   */
  public BundleRecommender(ServingBundle bundle, ServingConfig config, CandidateIndex index) {
    this(bundle, config, index, Clock.systemUTC());
  }

  /**
   * With the clock history features are computed as of (requests are answered as of its current second). The
   * bundle's history, if it has one, is rebuilt here from its events.
   */
  public BundleRecommender(ServingBundle bundle, ServingConfig config, CandidateIndex index, Clock clock) {
    if (index != null && index.size() != bundle.itemVectors().size()) {
      throw new IllegalArgumentException("the index holds " + index.size() + " items, the bundle " + bundle.itemVectors().size());
    }
    this.bundle = bundle;
    this.config = config;
    this.transform = bundle.transform();
    this.rules = new BusinessRules(config.rules(), bundle.items(), transform, bundle::seen);
    this.ownsIndex = index == null;
    this.index = index != null ? index : buildIndex(bundle, config.retrieval());
    this.userTowers = new GraphPool(bundle.userTower());
    this.rankers = bundle.hasRanking() && config.ranking().enabled() ? new GraphPool(bundle.ranking()) : null;
    this.userSources = new LinkedHashSet<>(transform.sources(Entity.USER));
    this.contextSources = new LinkedHashSet<>(transform.sources(Entity.CONTEXT));
    if (transform.history() != null && bundle.history() != null) {
      this.history = new LiveHistory(transform, bundle.history(), bundle.users(), bundle.items(), clock,
          new LiveHistory.Limits(config.history().maxNewUsers(), config.history().maxAheadSeconds()));
      history.featureNames().forEach(f -> contextSources.remove(LiveHistory.column(f))); // computed here, never sent
      this.towerReadsHistory = bundle.retrievalSpec().query().features().stream().anyMatch(history::isHistoryFeature);
      this.rankerReadsHistory = bundle.hasRanking() && bundle.rankingSpec().query().features().stream().anyMatch(history::isHistoryFeature);
    } else {
      this.history = null;
      this.towerReadsHistory = false;
      this.rankerReadsHistory = false;
    }
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
    if (closed.get()) {
      throw new IllegalStateException("the recommender of " + bundle.name() + " v" + bundle.version() + " is closed");
    }
    validate(req);
    boolean cache = req.useCache() && config.cache().enabled();
    long now = history == null ? 0 : history.now();
    long generation = 0;
    if (history != null) {
      generation = history.generation(req.user()); // read before the check: a later event only makes the key older
      cache = cache && history.settled(req.user(), now);
    }
    ResultKey key = cache ? new ResultKey(req.withExplain(false), generation) : null;
    if (cache) {
      Recommendations hit = results.getIfPresent(key);
      if (hit != null) {
        return hit.served(true, req.explain());
      }
    }
    Recommendations r = compute(req, cache, now, generation);
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

  /** The pipeline, stage by stage; each stage's time goes into the explanation. */
  private Recommendations compute(RecommendRequest req, boolean cache, long now, long generation) {
    Subject who = subject(req, now);
    BitSet excluded = rules.excluded(who.row(), req.exclude());
    int n = Math.max(config.retrieval().candidates(), req.k() + rules.explorationSlots(req.k()));
    long t0 = System.nanoTime();
    float[] userVector = who.path() == RecommendationPath.POPULARITY ? null : userVector(who, req, cache, generation);
    long t1 = System.nanoTime();
    Candidates cands = candidates(userVector, n, excluded);
    long t2 = System.nanoTime();
    Ranked ranked = rank(who, cands);
    long t3 = System.nanoTime();
    BusinessRules.Selection picked = rules.select(ranked.order(), cands.rows(), req.k(), req.user(), excluded);
    List<Recommendations.Detail> details = details(who, cands, ranked, picked, userVector);
    long t4 = System.nanoTime();
    Map<String, Double> stages = new LinkedHashMap<>();
    stages.put("user_vector", (t1 - t0) / 1e6);
    stages.put("retrieval", (t2 - t1) / 1e6);
    stages.put("ranking", (t3 - t2) / 1e6);
    stages.put("rules", (t4 - t3) / 1e6);
    if (history != null) {
      stages.put("history", who.historyNanos()[0] / 1e6); // of user_vector and ranking: computing history features
    }
    return assemble(req, who, cands, ranked, picked, details, excluded, stages);
  }

  /** Chooses the path: what the bundle knows about the user decides how the request is encoded. */
  private Subject subject(RecommendRequest req, long now) {
    EntityTable users = bundle.users();
    int row = users.row(req.user());
    int historyRow = history == null ? LiveHistory.NO_HISTORY : history.userRow(req.user());
    Map<String, String> context = new TreeMap<>();
    Map<String, String> userAttributes = new TreeMap<>();
    for (Map.Entry<String, String> e : req.attributes().entrySet()) {
      (contextSources.contains(e.getKey()) ? context : userAttributes).put(e.getKey(), e.getValue());
    }
    if (row >= 0) { // a known user is encoded from what the bundle holds, whatever the request says about them
      return new Subject(row, RecommendationPath.KNOWN, new TreeMap<>(users.attributes(row)), context, historyRow, now, new long[1]);
    }
    // an unknown user the models know something of: attributes, or (for a tower that reads it) a history posted since export
    boolean known = !userAttributes.isEmpty() || towerReadsHistory && history.hasNewUserHistory(req.user());
    RecommendationPath path = known ? RecommendationPath.COLD_FEATURES : RecommendationPath.POPULARITY;
    userAttributes.put("user_id", req.user());
    return new Subject(row, path, userAttributes, context, historyRow, now, new long[1]);
  }

  private float[] userVector(Subject who, RecommendRequest req, boolean cache, long generation) {
    return cache ? userVectors.get(new UserKey(req.user(), req.attributes(), generation),
        key -> userVector(who.userAttributes(), who.context(), who.historyRow(), who.now(), who.historyNanos()))
        : userVector(who.userAttributes(), who.context(), who.historyRow(), who.now(), who.historyNanos());
  }

  /** Retrieval: the n best items by inner product with the user vector, or the n most popular without one. */
  private Candidates candidates(float[] userVector, int n, BitSet excluded) {
    return userVector == null ? popular(n, excluded) : index.search(userVector, n, excluded);
  }

  /** Ranking: the ranking model's scores, and the candidates by score (ties keep the retrieval order). */
  private Ranked rank(Subject who, Candidates cands) {
    float[] scores = rankers != null && who.path() != RecommendationPath.POPULARITY
        ? rank(who.userAttributes(), who.context(), who.historyRow(), who.now(), cands.rows(), who.historyNanos()) : null;
    Integer[] order = new Integer[cands.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    if (scores != null) {
      Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a])); // a stable sort: equal scores keep retrieval order
    }
    return new Ranked(scores, Arrays.stream(order).mapToInt(Integer::intValue).toArray());
  }

  /** Each picked item explained: its final score and its scores and rank at each stage. */
  private List<Recommendations.Detail> details(Subject who, Candidates cands, Ranked ranked, BusinessRules.Selection picked,
      float[] userVector) {
    EntityTable items = bundle.items();
    List<Recommendations.Detail> out = new ArrayList<>(picked.picks().size());
    for (BusinessRules.Pick p : picked.picks()) {
      if (p.position() < 0) { // from the catalogue: scored here, as retrieval would have
        int it = p.item();
        float score = userVector != null ? bundle.itemVectors().dot(it, userVector) : bundle.popularity()[it];
        out.add(new Recommendations.Detail(items.id(it), score, userVector != null ? (double) score : null, null, null, true,
            items.attributes(it)));
        continue;
      }
      int pos = p.position();
      double retrieval = cands.scores()[pos];
      Double rank = ranked.scores() == null ? null : (double) ranked.scores()[pos];
      out.add(new Recommendations.Detail(items.id(p.item()), rank != null ? rank : retrieval,
          who.path() == RecommendationPath.POPULARITY ? null : retrieval, pos + 1, rank, p.explore(), items.attributes(p.item())));
    }
    return out;
  }

  /** The answer: ids and scores in order, exploration items, details and the explanation. */
  private Recommendations assemble(RecommendRequest req, Subject who, Candidates cands, Ranked ranked, BusinessRules.Selection picked,
      List<Recommendations.Detail> details, BitSet excluded, Map<String, Double> stages) {
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
    Map<String, String> features = new LinkedHashMap<>(who.userAttributes());
    features.putAll(who.context());
    Recommendations.Explanation why = new Recommendations.Explanation(features,
        who.path() == RecommendationPath.POPULARITY ? "popularity" : index.kind(), cands.size(), excluded.cardinality(),
        ranked.scores() != null, picked.capped(), rules.explorationSlots(req.k()), stages);
    return new Recommendations(bundle.name(), bundle.version(), req.user(), who.path(), List.copyOf(ids), List.copyOf(scores),
        List.copyOf(exploration), false, List.copyOf(details), why);
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

  /** The user vector of a user the bundle knows (or of an unknown id without attributes), without context, as of now. */
  public float[] userVector(String user) {
    int row = bundle.users().row(user);
    return userVector(row >= 0 ? bundle.users().attributes(row) : Map.of("user_id", user), Map.of(),
        history == null ? LiveHistory.NO_HISTORY : history.userRow(user), history == null ? 0 : history.now(), new long[1]);
  }

  /**
   * The user tower's output for raw user attributes and context, encoded by the bundle's transform, with the history
   * of {@code historyRow} as of {@code now}; the time that took is added to {@code historyNanos[0]}.
   */
  float[] userVector(Map<String, String> userAttributes, Map<String, String> context, int historyRow, long now, long[] historyNanos) {
    EncodedTable user = transform.encodeOne(Entity.USER, userAttributes);
    EncodedTable ctx = transform.encodeOne(Entity.CONTEXT, context);
    long h0 = System.nanoTime();
    EncodedTable hist = towerReadsHistory ? history.encode(historyRow, new int[] {-1}, now) : null;
    historyNanos[0] += System.nanoTime() - h0;
    ModelSpec spec = bundle.retrievalSpec();
    INDArray[] in = spec.query().arrays(1, source(user, ctx, hist, null, new int[1], null));
    return userTowers.with(g -> g.outputSingle(false, in).toFloatVector());
  }

  /** The ranking model's probabilities for the user and context with each candidate item, with their history as of now. */
  float[] rank(Map<String, String> userAttributes, Map<String, String> context, int historyRow, long now, int[] candidateRows,
      long[] historyNanos) {
    if (candidateRows.length == 0) {
      return new float[0];
    }
    EncodedTable user = transform.encodeOne(Entity.USER, userAttributes);
    EncodedTable ctx = transform.encodeOne(Entity.CONTEXT, context);
    long h0 = System.nanoTime();
    EncodedTable hist = rankerReadsHistory ? history.encode(historyRow, candidateRows, now) : null;
    historyNanos[0] += System.nanoTime() - h0;
    ModelSpec spec = bundle.rankingSpec();
    InputGroup x = spec.query();
    INDArray[] in = x.arrays(candidateRows.length, source(user, ctx, hist, bundle.items().encoded(), new int[candidateRows.length],
        candidateRows));
    return rankers.with(g -> {
      INDArray out = g.outputSingle(false, in);
      if (out.size(1) > 1) {
        out = out.getColumn(spec.targets().main());
      }
      return out.reshape(candidateRows.length).toFloatVector();
    });
  }

  /**
   * Feature rows: the one encoded user and context row for every example, items at their catalogue rows, and history
   * features (when {@code hist} is given) from their own row per example.
   */
  private InputGroup.RowSource source(EncodedTable user, EncodedTable ctx, EncodedTable hist, EncodedTable items, int[] zeros,
      int[] itemRows) {
    Map<String, Entity> entity = new HashMap<>();
    int[] histRows = hist == null ? null : hist.rows() == zeros.length ? identity(zeros.length) : zeros;
    return new InputGroup.RowSource() {
      @Override
      public EncodedColumn column(String feature) {
        return switch (entity.computeIfAbsent(feature, f -> transform.feature(f).entity())) {
          case USER -> user.column(feature);
          case CONTEXT -> hist != null && history.isHistoryFeature(feature) ? hist.column(feature) : ctx.column(feature);
          case ITEM -> items.column(feature);
        };
      }

      @Override
      public int[] rows(String feature) {
        return switch (entity.computeIfAbsent(feature, f -> transform.feature(f).entity())) {
          case ITEM -> itemRows;
          case CONTEXT -> hist != null && history.isHistoryFeature(feature) ? histRows : zeros;
          case USER -> zeros;
        };
      }
    };
  }

  private static int[] identity(int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = i;
    }
    return out;
  }

  /** The live history (null when the bundle's transform has no history features). */
  @Override
  public LiveHistory history() {
    return history;
  }

  @Override
  public Map<String, Object> inputs(String user, String item, Long time, Map<String, String> attributes) {
    if (closed.get()) {
      throw new IllegalStateException("the recommender of " + bundle.name() + " v" + bundle.version() + " is closed");
    }
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("a user id is required");
    }
    RecommendRequest req = new RecommendRequest(user, 1, attributes, null, false, false);
    validate(req);
    int itemRow = -1;
    if (item != null) {
      itemRow = bundle.items().row(item);
      if (itemRow < 0) {
        throw new IllegalArgumentException("unknown item '" + item + "': the catalogue has " + bundle.items().size() + " items");
      }
    }
    long t = time != null ? time : history != null ? history.now() : java.time.Instant.now().getEpochSecond();
    Subject who = subject(req, t);
    Map<String, Object> features = new LinkedHashMap<>();
    put(features, transform.features(Entity.USER), transform.encodeOne(Entity.USER, who.userAttributes()), 0);
    if (itemRow >= 0) {
      put(features, transform.features(Entity.ITEM), bundle.items().encoded(), itemRow);
    }
    EncodedTable ctx = transform.encodeOne(Entity.CONTEXT, who.context());
    EncodedTable hist = null;
    if (history != null) {
      int[] rows = {itemRow};
      hist = time != null ? history.encodeAt(who.historyRow(), rows, t) : history.encode(who.historyRow(), rows, t);
    }
    for (dev.tandem.datasets.features.FittedFeature f : transform.features(Entity.CONTEXT)) {
      boolean h = hist != null && history.isHistoryFeature(f.name());
      features.put(f.name(), value((h ? hist : ctx).column(f.name()), 0));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", bundle.name());
    out.put("version", bundle.version());
    out.put("user", user);
    out.put("item", item);
    out.put("time", t);
    out.put("path", who.path().value());
    if (history != null) {
      out.put("history_features", history.featureNames());
      out.put("availability_delay_seconds", history.availabilityDelaySeconds());
    }
    out.put("features", features);
    return out;
  }

  private static void put(Map<String, Object> out, List<dev.tandem.datasets.features.FittedFeature> features, EncodedTable t, int row) {
    for (dev.tandem.datasets.features.FittedFeature f : features) {
      out.put(f.name(), value(t.column(f.name()), row));
    }
  }

  /** One encoded value as JSON: an index, a number (null for NaN), or a list of indices. */
  private static Object value(EncodedColumn c, int row) {
    if (c instanceof EncodedColumn.Index x) {
      return x.values()[row];
    }
    if (c instanceof EncodedColumn.Real x) {
      float v = x.values()[row];
      return Float.isNaN(v) ? null : v;
    }
    EncodedColumn.MultiIndex m = (EncodedColumn.MultiIndex) c;
    return Arrays.stream(m.values(), m.offsets()[row], m.offsets()[row + 1]).boxed().toList();
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

  /** The bundle served (the caller's: closing the recommender leaves it usable). */
  public ServingBundle bundle() {
    return bundle;
  }

  /** The serving configuration in force. */
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

  /**
   * Releases the copies of the user tower and ranking model made for concurrent requests, the retrieval index if it was
   * built here, and the caches. Requests in progress finish; later ones throw {@link IllegalStateException}. The
   * bundle's own models and item vectors stay with the bundle. Harmless when called again.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    userTowers.close();
    if (rankers != null) {
      rankers.close();
    }
    if (ownsIndex) {
      index.close();
    }
    userVectors.invalidateAll();
    results.invalidateAll();
  }

  /** The pools of model copies, for tests. */
  GraphPool userTowerPool() {
    return userTowers;
  }
}
