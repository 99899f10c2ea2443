package dev.tandem.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.serving.bundle.ServingBundle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pipeline's rules and paths on the fixture bundle: seen items, caps, exploration, cold start, errors, cache. */
class RecommenderTest {
  static ServingBundle bundle;

  @BeforeAll
  static void load() {
    bundle = Fixtures.bundle();
  }

  private static ServingConfig config(ServingConfig.Rules rules) {
    return ServingConfig.defaults().withRules(rules);
  }

  /** A known user with a long history, so "seen" matters. */
  private static String heavyUser() {
    int best = 0;
    for (int u = 1; u < bundle.users().size(); u++) {
      if (bundle.seen(u).length > bundle.seen(best).length) {
        best = u;
      }
    }
    return bundle.users().id(best);
  }

  @Test
  void seenItemsAreExcludedUnlessTheRulesSayOtherwise() {
    String user = heavyUser();
    Set<String> seen = new HashSet<>();
    for (int it : bundle.seen(bundle.users().row(user))) {
      seen.add(bundle.items().id(it));
    }
    assertThat(seen.size()).isGreaterThan(10);
    try (BundleRecommender rec = new BundleRecommender(bundle, config(new ServingConfig.Rules(true, Map.of(), null)));
        BundleRecommender all = new BundleRecommender(bundle, config(ServingConfig.Rules.none()))) {
      Recommendations r = rec.recommend(RecommendRequest.of(user, 50).withExplain(true));
      assertThat(r.items()).hasSize(50).doesNotHaveDuplicates().doesNotContainAnyElementsOf(seen);
      assertThat(r.explain().seenExcluded()).isEqualTo(seen.size());
      assertThat(r.explain().ranked()).isTrue();
      // scores are the ranking model's probabilities, best first
      for (int i = 1; i < r.scores().size(); i++) {
        assertThat(r.scores().get(i)).isLessThanOrEqualTo(r.scores().get(i - 1));
      }
      assertThat(r.scores()).allMatch(s -> s >= 0 && s <= 1);
      Recommendations unfiltered = all.recommend(RecommendRequest.of(user, 50));
      assertThat(unfiltered.items()).containsAnyElementsOf(seen);
      // and the request may exclude more
      String first = r.items().get(0);
      assertThat(rec.recommend(RecommendRequest.of(user, 50).withExclude(Set.of(first))).items()).doesNotContain(first);
    }
  }

  @Test
  void atMostMItemsPerCategoryAndPerTag() {
    ServingConfig.Rules capped = new ServingConfig.Rules(true, Map.of("category", 2, "tags", 3), null);
    try (BundleRecommender rec = new BundleRecommender(bundle, config(capped))) {
      for (int u = 0; u < 40; u++) {
        Recommendations r = rec.recommend(RecommendRequest.of(bundle.users().id(u), 12).withExplain(true));
        assertThat(r.items()).hasSize(12);
        Map<String, Integer> perCategory = new HashMap<>();
        Map<String, Integer> perTag = new HashMap<>();
        for (Recommendations.Detail d : r.details()) {
          perCategory.merge(d.attributes().get("category"), 1, Integer::sum);
          for (String tag : d.attributes().getOrDefault("tags", "").split("\\|")) {
            if (!tag.isBlank()) {
              perTag.merge(tag, 1, Integer::sum);
            }
          }
        }
        assertThat(perCategory.values()).allMatch(c -> c <= 2);
        assertThat(perTag.values()).allMatch(c -> c <= 3);
      }
    }
    assertThatThrownBy(() -> new BundleRecommender(bundle, config(new ServingConfig.Rules(true, Map.of("creator", 2), null))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("rules.max_per.creator").hasMessageContaining("category");
  }

  @Test
  void explorationTakesItsShareOfSlotsAndIsRepeatableWithASeed() {
    ServingConfig.Rules explore = new ServingConfig.Rules(true, Map.of(), new ServingConfig.Exploration(0.2, "candidates", 7L));
    ServingConfig.Rules fromCatalogue = new ServingConfig.Rules(true, Map.of(), new ServingConfig.Exploration(0.3, "catalogue", null));
    try (BundleRecommender rec = new BundleRecommender(bundle, config(explore));
        BundleRecommender exploit = new BundleRecommender(bundle, config(new ServingConfig.Rules(true, Map.of(), null)));
        BundleRecommender wide = new BundleRecommender(bundle, config(fromCatalogue))) {
      String user = bundle.users().id(5);
      Recommendations r = rec.recommend(RecommendRequest.of(user, 10).withCache(false).withExplain(true));
      assertThat(r.items()).hasSize(10).doesNotHaveDuplicates();
      assertThat(r.exploration()).hasSize(2);
      assertThat(r.explain().explorationSlots()).isEqualTo(2);
      // the 8 exploitation slots are the plain top 8, in order; exploration items come from further down
      List<String> top = exploit.recommend(RecommendRequest.of(user, 10)).items();
      List<String> exploited = new ArrayList<>(r.items());
      exploited.removeAll(r.exploration());
      assertThat(exploited).containsExactlyElementsOf(top.subList(0, 8));
      assertThat(r.exploration()).doesNotContainAnyElementsOf(top.subList(0, 8));
      assertThat(rec.recommend(RecommendRequest.of(user, 10).withCache(false)).items()).as("seeded: repeatable").isEqualTo(r.items());

      Recommendations w = wide.recommend(RecommendRequest.of(user, 10).withCache(false));
      assertThat(w.exploration()).hasSize(3);
      assertThat(w.items()).hasSize(10).doesNotHaveDuplicates();
    }
  }

  @Test
  void unknownUsersTakeTheColdStartPaths() {
    try (BundleRecommender rec = new BundleRecommender(bundle)) {
      Recommendations popular = rec.recommend(RecommendRequest.of("nobody-knows-me", 10));
      assertThat(popular.path()).isEqualTo(RecommendationPath.POPULARITY);
      assertThat(popular.items()).hasSize(10);
      for (int i = 1; i < 10; i++) {
        assertThat(popular.scores().get(i)).isLessThanOrEqualTo(popular.scores().get(i - 1));
      }
      Recommendations cold = rec.recommend(RecommendRequest.of("new-user", 10).withAttributes(Map.of("country", "fr", "age", "31")));
      assertThat(cold.path()).isEqualTo(RecommendationPath.COLD_FEATURES);
      assertThat(cold.items()).hasSize(10);
      Recommendations other = rec.recommend(RecommendRequest.of("new-user-2", 10).withAttributes(Map.of("country", "jp", "age", "62")));
      assertThat(other.items()).as("features change the answer").isNotEqualTo(cold.items());
      // context goes with any user
      String known = bundle.users().id(0);
      assertThat(rec.recommend(RecommendRequest.of(known, 10).withAttributes(Map.of("device", "tv"))).path()).isEqualTo(RecommendationPath.KNOWN);
    }
  }

  @Test
  void malformedRequestsAreRejectedWithAReason() {
    try (BundleRecommender rec = new BundleRecommender(bundle)) {
      assertThatThrownBy(() -> rec.recommend(RecommendRequest.of("", 10))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("user");
      assertThatThrownBy(() -> rec.recommend(RecommendRequest.of("1", 0))).hasMessageContaining("k must be between 1 and 1000");
      assertThatThrownBy(() -> rec.recommend(RecommendRequest.of("1", 5000))).hasMessageContaining("k must be");
      assertThatThrownBy(() -> rec.recommend(RecommendRequest.of("1", 5).withAttributes(Map.of("shoe_size", "44"))))
          .hasMessageContaining("unknown attribute 'shoe_size'").hasMessageContaining("country");
    }
  }

  @Test
  void theCacheServesRepeatsAndReportsItsHitRate() {
    try (BundleRecommender rec = new BundleRecommender(bundle)) {
      String user = bundle.users().id(1);
      Recommendations first = rec.recommend(RecommendRequest.of(user, 10));
      Recommendations again = rec.recommend(RecommendRequest.of(user, 10));
      assertThat(first.cached()).isFalse();
      assertThat(again.cached()).isTrue();
      assertThat(again.items()).isEqualTo(first.items());
      // another k misses the result cache but reuses the user vector
      rec.recommend(RecommendRequest.of(user, 5));
      Recommender.CacheReport results = rec.caches().get("results");
      Recommender.CacheReport vectors = rec.caches().get("user_vectors");
      assertThat(results.hits()).isEqualTo(1);
      assertThat(results.misses()).isEqualTo(2);
      assertThat(results.hitRate()).isCloseTo(1 / 3.0, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(vectors.hits()).isEqualTo(1);
      assertThat(vectors.misses()).isEqualTo(1);
      // explain on a cached answer still explains
      assertThat(rec.recommend(RecommendRequest.of(user, 10).withExplain(true)).details()).hasSize(10);
    }
    ServingConfig shortLived = ServingConfig.defaults().withCache(new ServingConfig.Cache(true, 10, 1));
    try (BundleRecommender rec = new BundleRecommender(bundle, shortLived)) {
      String user = bundle.users().id(2);
      rec.recommend(RecommendRequest.of(user, 10));
      sleep(1300);
      assertThat(rec.recommend(RecommendRequest.of(user, 10)).cached()).as("expired after its TTL").isFalse();
    }
  }

  @Test
  void closeFreesTheModelCopiesAndTheIndexItBuiltAndIsHarmlessTwice() {
    ServingConfig hnsw = ServingConfig.defaults().withRetrieval(new ServingConfig.Retrieval(50, ServingConfig.IndexKind.HNSW, null,
        new ServingConfig.Hnsw(8, 40, 60)));
    BundleRecommender rec = new BundleRecommender(bundle, hnsw);
    String user = bundle.users().id(4);
    // a request made while the bundle's own tower is borrowed needs a copy of it: one copy, made deterministically
    Recommendations nested = rec.userTowerPool().with(g -> rec.recommend(RecommendRequest.of(user, 5).withCache(false)));
    assertThat(nested.items()).hasSize(5);
    List<org.deeplearning4j.nn.graph.ComputationGraph> copies = new ArrayList<>(rec.userTowerPool().idleGraphs());
    copies.remove(bundle.userTower());
    assertThat(copies).as("copies of the user tower").hasSize(1);
    assertThat(rec.index().kind()).isEqualTo("hnsw");

    rec.close();
    assertThat(copies).allMatch(GraphPool::freed);
    assertThat(GraphPool.freed(bundle.userTower())).as("the bundle's own tower is the bundle's").isFalse();
    assertThatThrownBy(() -> rec.index().search(rec.userVector(user), 5, null)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> rec.recommend(RecommendRequest.of(user, 5))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    rec.close(); // again: nothing happens
    assertThat(rec.caches().get("results").size()).isZero();

    // the bundle serves on, and an index handed in stays its owner's
    try (BundleRecommender again = new BundleRecommender(bundle, ServingConfig.defaults())) {
      dev.tandem.serving.retrieval.CandidateIndex shared = again.index();
      try (BundleRecommender borrowing = new BundleRecommender(bundle, ServingConfig.defaults(), shared)) {
        assertThat(borrowing.recommend(RecommendRequest.of(user, 5)).items()).hasSize(5);
      }
      assertThat(again.recommend(RecommendRequest.of(user, 5)).items()).hasSize(5);
    }
  }

  @Test
  void aCopyBorrowedWhileThePoolClosesIsFreedWhenItComesBack() {
    GraphPool pool = new GraphPool(bundle.userTower());
    org.deeplearning4j.nn.graph.ComputationGraph[] copy = new org.deeplearning4j.nn.graph.ComputationGraph[1];
    pool.with(prototype -> pool.with(g -> {
      copy[0] = g;
      pool.close();
      assertThat(GraphPool.freed(g)).as("not freed while in use").isFalse();
      return null;
    }));
    assertThat(copy[0]).isNotSameAs(bundle.userTower());
    assertThat(GraphPool.freed(copy[0])).as("freed once given back").isTrue();
    assertThat(GraphPool.freed(bundle.userTower())).isFalse();
    assertThatThrownBy(() -> pool.with(g -> null)).isInstanceOf(IllegalStateException.class);
    pool.close();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
