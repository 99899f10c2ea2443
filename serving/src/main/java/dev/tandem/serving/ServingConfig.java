package dev.tandem.serving;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigEnum;
import dev.tandem.config.ConfigLoader;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code serving.yaml}: how a bundle serves. Every registry version ships one (given at export with {@code --rules},
 * else the defaults below), so the business rules are versioned, diffed and rolled back with the models; {@code
 * recommend} and {@code serve} may override it with {@code --rules FILE} to try other rules on the same models.
 *
 * <pre>
 * retrieval:
 *   candidates: 200          # retrieved by maximum inner product, then ranked and filtered
 *   index: auto              # exact | hnsw | auto (hnsw above exact_max_items)
 *   exact_max_items: 200000
 *   hnsw: {m: 16, ef_construction: 200, ef: 200}
 * ranking:
 *   enabled: true            # score candidates with the bundle's ranking model, if it has one
 * rules:
 *   exclude_seen: true       # drop items the user interacted with (train, validation and test events)
 *   max_per: {category: 3}   # at most M items per value of an item attribute; multi-valued attributes count each value
 *   exploration:
 *     share: 0.1             # share of the K slots given to exploration items (floor(share * K))
 *     from: candidates       # candidates: retrieved but not chosen; catalogue: any unseen item
 *     seed: null             # a number: the same exploration items for a user every time
 * cache:
 *   enabled: true
 *   max_entries: 100000      # per cache (user vectors, results)
 *   ttl_seconds: 300
 * max_k: 1000
 * history:                   # only for bundles with history features (not written into the defaults)
 *   max_new_users: 1000000   # users the bundle does not know that may get a history from posted events
 *   max_ahead_seconds: 86400 # how far after the server's clock a posted event's time may be
 * experiment:                # optional: an A/B test; this version is the control arm
 *   name: ranker-v7          # written into every impression
 *   challenger: /models/recs@staging   # REGISTRY/NAME@REF of the challenger arm
 *   share: 0.1               # share of users assigned to the challenger
 *   salt: ranker-v7          # assignment salt (default: the name): a new salt reshuffles users
 * impressions:               # the impression log (serve --impressions-log; on whenever an experiment runs)
 *   batch: 256               # records synced together; a SIGKILL loses at most this many answers' records
 *   flush_millis: 1000       # a partial batch is synced after this long
 *   roll_mb: 64              # a log segment this large is closed and a new one started
 *   roll_minutes: 60         # likewise a segment this old
 *   remember: 100000         # answers kept in memory to match feedback to (user, arm, position)
 *   remember_minutes: 1440   # how long an answer is kept for that
 * </pre>
 *
 * @param retrieval how candidates are found
 * @param ranking   how they are scored
 * @param rules     business rules applied after scoring
 * @param cache     the LRU caches of user vectors and results
 * @param maxK      the largest K a request may ask for
 * @param history   the live history of bundles with history features
 * @param experiment an A/B experiment with this version as control (null: none)
 * @param impressions how answers are logged
 */
public record ServingConfig(Retrieval retrieval, Ranking ranking, Rules rules, Cache cache, Integer maxK, History history,
    Experiment experiment, Impressions impressions) {

  /** The defaults, as shipped when an export gives no serving configuration. */
  public static final String DEFAULT_YAML = """
      # Serving configuration of this registry version (see README, "Registry and serving").
      retrieval:
        candidates: 200
        index: auto
        exact_max_items: 200000
        hnsw: {m: 16, ef_construction: 200, ef: 200}
      ranking:
        enabled: true
      rules:
        exclude_seen: true
        max_per: {}
        exploration: {share: 0.0, from: candidates}
      cache:
        enabled: true
        max_entries: 100000
        ttl_seconds: 300
      max_k: 1000
      """;

  public ServingConfig {
    retrieval = Check.orDefault(retrieval, new Retrieval(null, null, null, null));
    ranking = Check.orDefault(ranking, new Ranking(null));
    rules = Check.orDefault(rules, new Rules(null, null, null));
    cache = Check.orDefault(cache, new Cache(null, null, null));
    maxK = Check.orDefault(maxK, 1000);
    Check.positive(maxK, "max_k");
    history = Check.orDefault(history, new History(null, null));
    impressions = Check.orDefault(impressions, new Impressions(null, null, null, null, null, null));
  }

  /** Without a history section (the defaults). */
  public ServingConfig(Retrieval retrieval, Ranking ranking, Rules rules, Cache cache, Integer maxK) {
    this(retrieval, ranking, rules, cache, maxK, null, null, null);
  }

  /** Without an experiment. */
  public ServingConfig(Retrieval retrieval, Ranking ranking, Rules rules, Cache cache, Integer maxK, History history) {
    this(retrieval, ranking, rules, cache, maxK, history, null, null);
  }

  /** Parses serving YAML; errors name the key. */
  public static ServingConfig parse(String yaml, String source) {
    return ConfigLoader.parse(yaml, source, ".", ServingConfig.class, List.of()).value();
  }

  /** Loads a serving configuration file (any Hadoop URI). */
  public static ServingConfig load(String location) {
    return ConfigLoader.load(location, ServingConfig.class, List.of()).value();
  }

  public static ServingConfig defaults() {
    return parse(DEFAULT_YAML, "default serving configuration");
  }

  /** A copy with other rules (e.g. for a test or an experiment). */
  public ServingConfig withRules(Rules r) {
    return new ServingConfig(retrieval, ranking, r, cache, maxK, history, experiment, impressions);
  }

  /** A copy with other retrieval settings. */
  public ServingConfig withRetrieval(Retrieval r) {
    return new ServingConfig(r, ranking, rules, cache, maxK, history, experiment, impressions);
  }

  /** A copy with other ranking settings. */
  public ServingConfig withRanking(Ranking r) {
    return new ServingConfig(retrieval, r, rules, cache, maxK, history, experiment, impressions);
  }

  /** A copy with other cache settings. */
  public ServingConfig withCache(Cache c) {
    return new ServingConfig(retrieval, ranking, rules, c, maxK, history, experiment, impressions);
  }

  /** A copy with other history settings. */
  public ServingConfig withHistory(History h) {
    return new ServingConfig(retrieval, ranking, rules, cache, maxK, h, experiment, impressions);
  }

  /** A copy with another experiment section (null: none). */
  public ServingConfig withExperiment(Experiment e) {
    return new ServingConfig(retrieval, ranking, rules, cache, maxK, history, e, impressions);
  }

  /** A copy with other impression log settings. */
  public ServingConfig withImpressions(Impressions i) {
    return new ServingConfig(retrieval, ranking, rules, cache, maxK, history, experiment, i);
  }

  /**
   * The {@code experiment} section: an A/B test in which the version that ships this file is the control arm.
   *
   * @param name       the experiment's name, written into every impression (letters, digits, {@code _ - .})
   * @param challenger the challenger arm, {@code REGISTRY/NAME@REF}
   * @param share      the share of users assigned to the challenger, in (0, 1)
   * @param salt       the assignment's salt (default: the name); users are assigned by a hash of (salt, user id)
   */
  public record Experiment(String name, String challenger, Double share, String salt) {
    public Experiment {
      Check.requiredText(name, "name");
      Check.that(name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"), "name",
          "must be 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit, was '" + name + "'");
      Check.requiredText(challenger, "challenger");
      Check.required(share, "share");
      Check.that(share > 0 && share < 1, "share", "must be between 0 and 1 (exclusive), was " + share);
      salt = Check.orDefault(salt, name);
      Check.that(!salt.isBlank(), "salt", "must not be blank");
    }
  }

  /**
   * The {@code impressions} section: how the impression log batches, rolls, and remembers answers for feedback.
   *
   * @param batch           records written and synced together; a server killed with SIGKILL loses at most this many
   *                        (the answers not yet synced); 1 syncs every answer before the next is taken
   * @param flushMillis     a partial batch is synced after this long
   * @param rollMb          a segment this large (MiB) is closed and a new one started
   * @param rollMinutes     a segment this old is closed and a new one started
   * @param remember        answers kept in memory to match feedback to the user, arm and position it concerns
   * @param rememberMinutes how long an answer is kept for that
   */
  public record Impressions(Integer batch, Integer flushMillis, Integer rollMb, Integer rollMinutes, Integer remember,
      Integer rememberMinutes) {
    public Impressions {
      batch = Check.orDefault(batch, 256);
      Check.positive(batch, "batch");
      flushMillis = Check.orDefault(flushMillis, 1000);
      Check.positive(flushMillis, "flush_millis");
      rollMb = Check.orDefault(rollMb, 64);
      Check.positive(rollMb, "roll_mb");
      rollMinutes = Check.orDefault(rollMinutes, 60);
      Check.positive(rollMinutes, "roll_minutes");
      remember = Check.orDefault(remember, 100_000);
      Check.nonNegative(remember, "remember");
      rememberMinutes = Check.orDefault(rememberMinutes, 1440);
      Check.positive(rememberMinutes, "remember_minutes");
    }
  }

  /**
   * The {@code history} section: bounds of the live history of a bundle with history features.
   *
   * @param maxNewUsers     users the bundle does not know that may get a history (each costs a few hundred bytes);
   *                        events of further new users are refused (503) and counted
   * @param maxAheadSeconds how far after the server's clock a posted event's time may be
   */
  public record History(Integer maxNewUsers, Long maxAheadSeconds) {
    public History {
      maxNewUsers = Check.orDefault(maxNewUsers, 1_000_000);
      Check.nonNegative(maxNewUsers, "max_new_users");
      maxAheadSeconds = Check.orDefault(maxAheadSeconds, 86_400L);
      Check.that(maxAheadSeconds >= 0, "max_ahead_seconds", "must be >= 0, was " + maxAheadSeconds);
    }
  }

  /** Which maximum-inner-product search serves retrieval. */
  public enum IndexKind implements ConfigEnum {
    EXACT, HNSW, AUTO
  }

  /**
   * The {@code retrieval} section.
   *
   * @param candidates    how many items retrieval hands to ranking
   * @param index         exact, hnsw, or auto
   * @param exactMaxItems with auto: the largest catalogue served by exact search
   * @param hnsw          HNSW graph parameters
   */
  public record Retrieval(Integer candidates, IndexKind index, Integer exactMaxItems, Hnsw hnsw) {
    public Retrieval {
      candidates = Check.orDefault(candidates, 200);
      Check.positive(candidates, "candidates");
      index = Check.orDefault(index, IndexKind.AUTO);
      exactMaxItems = Check.orDefault(exactMaxItems, 200_000);
      Check.nonNegative(exactMaxItems, "exact_max_items");
      hnsw = Check.orDefault(hnsw, new Hnsw(null, null, null));
    }

    /** The index kind for a catalogue of {@code items}. */
    public IndexKind effectiveIndex(int items) {
      return index != IndexKind.AUTO ? index : items > exactMaxItems ? IndexKind.HNSW : IndexKind.EXACT;
    }
  }

  /**
   * HNSW parameters (Malkov and Yashunin): {@code m} links per node, {@code ef_construction} the beam while building,
   * {@code ef} the beam while searching (at least the number of candidates asked for).
   */
  public record Hnsw(Integer m, Integer efConstruction, Integer ef) {
    public Hnsw {
      m = Check.orDefault(m, 16);
      Check.that(m >= 2 && m <= 128, "m", "must be in [2, 128], was " + m);
      efConstruction = Check.orDefault(efConstruction, 200);
      Check.positive(efConstruction, "ef_construction");
      ef = Check.orDefault(ef, 200);
      Check.positive(ef, "ef");
    }
  }

  /**
   * The {@code ranking} section.
   *
   * @param enabled score candidates with the ranking model when the bundle has one
   */
  public record Ranking(Boolean enabled) {
    public Ranking {
      enabled = Check.orDefault(enabled, true);
    }
  }

  /**
   * The {@code rules} section: business rules applied after ranking.
   *
   * @param excludeSeen drop items the user already interacted with
   * @param maxPer      item attribute (a raw item column, e.g. category or genres) to the most items per value
   * @param exploration exploration items mixed into the results
   */
  public record Rules(Boolean excludeSeen, Map<String, Integer> maxPer, Exploration exploration) {
    public Rules {
      excludeSeen = Check.orDefault(excludeSeen, true);
      maxPer = maxPer == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(maxPer));
      for (Map.Entry<String, Integer> e : maxPer.entrySet()) {
        Check.that(e.getValue() != null && e.getValue() > 0, "max_per." + e.getKey(), "must be a number > 0");
      }
      exploration = Check.orDefault(exploration, new Exploration(null, null, null));
    }

    /** No filtering at all beyond what retrieval and ranking do. */
    public static Rules none() {
      return new Rules(false, Map.of(), new Exploration(0.0, null, null));
    }
  }

  /**
   * The {@code rules.exploration} section.
   *
   * @param share share of the K result slots given to exploration items: floor(share * K) of them
   * @param from  {@code candidates} (retrieved, but ranked below the cut) or {@code catalogue} (any unseen item)
   * @param seed  if set, exploration depends only on (seed, user): repeatable; else it varies per request
   */
  public record Exploration(Double share, String from, Long seed) {
    public Exploration {
      share = Check.orDefault(share, 0.0);
      Check.inRange(share, 0.0, 0.5, "share");
      from = Check.orDefault(from, "candidates");
      Check.oneOf(from, List.of("candidates", "catalogue"), "from");
    }
  }

  /**
   * The {@code cache} section.
   *
   * @param enabled    cache user vectors and results
   * @param maxEntries the most entries of each cache (least recently used go first)
   * @param ttlSeconds how long an entry lives after it was computed
   */
  public record Cache(Boolean enabled, Integer maxEntries, Integer ttlSeconds) {
    public Cache {
      enabled = Check.orDefault(enabled, true);
      maxEntries = Check.orDefault(maxEntries, 100_000);
      Check.positive(maxEntries, "max_entries");
      ttlSeconds = Check.orDefault(ttlSeconds, 300);
      Check.positive(ttlSeconds, "ttl_seconds");
    }
  }
}
