package dev.tandem.serving.bundle;

import dev.tandem.datasets.Entity;
import dev.tandem.datasets.EntityTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.format.Persisted;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.serving.history.HistoryEvents;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.ModelRef;
import dev.tandem.serving.registry.ModelRegistry;
import dev.tandem.serving.registry.VerifiedVersion;
import dev.tandem.serving.registry.VersionManifest;
import dev.tandem.serving.retrieval.ItemVectors;
import dev.tandem.trainer.model.ModelSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Everything needed to serve recommendations, loaded from one registry version whose every file verified:
 *
 * <pre>
 *   transform.json              the dataset's fitted FeatureTransform: requests are encoded by the same code as training
 *   retrieval/spec.json         the two-tower's model spec (input layout of the user tower)
 *   retrieval/user_tower.zip    the user tower (DL4J ComputationGraph)
 *   retrieval/item_vectors.tds  every item's L2-normalised vector, precomputed by the item tower (one column per dimension)
 *   ranking/spec.json, ranking/model.zip   the ranking model (optional)
 *   items.tds                   item ids, raw attributes (for rules and display), train popularity
 *   users.tds                   known user ids, raw attributes (to encode their requests), items each has interacted with
 *   profile.json                the dataset profile (drift reference)
 *   config/retrieval.yaml, config/ranking.yaml   the training jobs
 *   serving.yaml                the serving configuration: retrieval, business rules, cache
 *   history/events.tds          only when the transform has history features: the dataset's events as of export, from
 *                               which the history is rebuilt on load (see {@link HistoryEvents})
 * </pre>
 */
public final class ServingBundle {
  public static final String TRANSFORM = "transform.json";
  public static final String RETRIEVAL_SPEC = "retrieval/spec.json";
  public static final String USER_TOWER = "retrieval/user_tower.zip";
  public static final String ITEM_VECTORS = "retrieval/item_vectors.tds";
  public static final String RANKING_SPEC = "ranking/spec.json";
  public static final String RANKING_MODEL = "ranking/model.zip";
  public static final String ITEMS = "items.tds";
  public static final String USERS = "users.tds";
  public static final String PROFILE = "profile.json";
  public static final String SERVING = "serving.yaml";
  public static final String RETRIEVAL_JOB = "config/retrieval.yaml";
  public static final String RANKING_JOB = "config/ranking.yaml";
  public static final String HISTORY_EVENTS = "history/events.tds";

  private final String name;
  private final int version;
  private final VersionManifest manifest;
  private final FeatureTransform transform;
  private final ModelSpec retrievalSpec;
  private final ComputationGraph userTower;
  private final ItemVectors itemVectors;
  private final EntityTable items;
  private final float[] popularity;
  private final EntityTable users;
  private final ColumnFile.IntLists seen;
  private final ModelSpec rankingSpec;
  private final ComputationGraph ranking;
  private final String servingYaml;
  private final HistoryEvents history;
  private final org.apache.hadoop.fs.Path dir;

  /** Assembles a bundle without history from its parts (what benchmarks use). */
  public ServingBundle(String name, int version, VersionManifest manifest, FeatureTransform transform, ModelSpec retrievalSpec,
      ComputationGraph userTower, ItemVectors itemVectors, EntityTable items, float[] popularity, EntityTable users,
      ColumnFile.IntLists seen, ModelSpec rankingSpec, ComputationGraph ranking, String servingYaml) {
    this(name, version, manifest, transform, retrievalSpec, userTower, itemVectors, items, popularity, users, seen, rankingSpec, ranking,
        servingYaml, null, null);
  }

  /**
   * Assembles a bundle from its parts (what {@link #from} does after decoding).
   *
   * @param history the events its history is rebuilt from (null: none; required when the transform has history features)
   * @param dir     the registry version's directory (null for a bundle assembled in memory)
   */
  public ServingBundle(String name, int version, VersionManifest manifest, FeatureTransform transform, ModelSpec retrievalSpec,
      ComputationGraph userTower, ItemVectors itemVectors, EntityTable items, float[] popularity, EntityTable users,
      ColumnFile.IntLists seen, ModelSpec rankingSpec, ComputationGraph ranking, String servingYaml, HistoryEvents history,
      org.apache.hadoop.fs.Path dir) {
    if (itemVectors.size() != items.size() || popularity.length != items.size()) {
      throw new IllegalArgumentException("item vectors (" + itemVectors.size() + "), items (" + items.size() + ") and popularity ("
          + popularity.length + ") differ in size");
    }
    if (seen.offsets().length != users.size() + 1) {
      throw new IllegalArgumentException("seen items are given for " + (seen.offsets().length - 1) + " users, not " + users.size());
    }
    this.name = name;
    this.version = version;
    this.manifest = manifest;
    this.transform = transform;
    this.retrievalSpec = retrievalSpec;
    this.userTower = userTower;
    this.itemVectors = itemVectors;
    this.items = items;
    this.popularity = popularity;
    this.users = users;
    this.seen = seen;
    this.rankingSpec = rankingSpec;
    this.ranking = ranking;
    this.servingYaml = servingYaml;
    this.history = history;
    this.dir = dir;
  }

  /** Loads the version a reference ({@code REGISTRY/NAME@production}) points to, verifying every file. */
  public static ServingBundle load(ModelRef ref) {
    ModelRegistry registry = FsModelRegistry.at(ref.registry());
    return load(registry, ref.name(), ref.ref() == null ? "production" : ref.ref());
  }

  public static ServingBundle load(ModelRegistry registry, String name, String ref) {
    return from(registry.read(name, registry.resolve(name, ref)));
  }

  /** Decodes a verified version. */
  public static ServingBundle from(VerifiedVersion v) {
    String where = v.dir().toString();
    if (!v.has(RETRIEVAL_SPEC)) { // e.g. a ranking model a retraining loop published: listed, compared, promoted, not served
      throw new IllegalArgumentException(where + " holds no retrieval model (models: " + v.manifest().models().keySet()
          + "): serving needs a bundle with a two-tower model, as tandem export writes");
    }
    try {
      FeatureTransform transform = FeatureTransform.fromJson(text(v, TRANSFORM), where + "/" + TRANSFORM);
      ModelSpec retrievalSpec = Persisted.read(v.file(RETRIEVAL_SPEC), ModelSpec.class, ModelSpec.FORMAT, where + "/" + RETRIEVAL_SPEC);
      ComputationGraph userTower = graph(v.file(USER_TOWER));
      ColumnFile vf = ColumnFile.decode(where + "/" + ITEM_VECTORS, v.file(ITEM_VECTORS));
      int dim = ((Number) vf.header().meta().get("dim")).intValue();
      float[][] cols = new float[dim][];
      for (int d = 0; d < dim; d++) {
        cols[d] = vf.floats("d" + d);
      }
      ColumnFile itemsFile = ColumnFile.decode(where + "/" + ITEMS, v.file(ITEMS));
      EntityTable items = entities(Entity.ITEM, itemsFile, transform);
      ColumnFile usersFile = ColumnFile.decode(where + "/" + USERS, v.file(USERS));
      EntityTable users = entities(Entity.USER, usersFile, transform);
      ModelSpec rankingSpec = null;
      ComputationGraph ranking = null;
      if (v.has(RANKING_MODEL)) {
        rankingSpec = Persisted.read(v.file(RANKING_SPEC), ModelSpec.class, ModelSpec.FORMAT, where + "/" + RANKING_SPEC);
        ranking = graph(v.file(RANKING_MODEL));
      }
      HistoryEvents history = null;
      if (v.has(HISTORY_EVENTS)) {
        history = HistoryEvents.decode(where + "/" + HISTORY_EVENTS, v.file(HISTORY_EVENTS), users.size(), items.size());
      } else if (transform.history() != null) {
        throw new CorruptDataException(where, "the feature transform has history features but the version has no " + HISTORY_EVENTS);
      }
      return new ServingBundle(v.manifest().name(), v.manifest().version(), v.manifest(), transform, retrievalSpec, userTower,
          new ItemVectors(cols), items, itemsFile.floats("popularity"), users, usersFile.intLists("seen"), rankingSpec, ranking,
          v.has(SERVING) ? text(v, SERVING) : null, history, v.dir());
    } catch (IOException | RuntimeException e) {
      if (e instanceof CorruptDataException c) {
        throw c;
      }
      throw new CorruptDataException(where, "the files verify but the bundle does not load: " + e.getMessage(), e);
    }
  }

  private static String text(VerifiedVersion v, String name) {
    return new String(v.file(name), StandardCharsets.UTF_8);
  }

  private static ComputationGraph graph(byte[] zip) throws IOException {
    return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip), false);
  }

  /** An entity table from a bundle file: ids and raw attributes, encoded by the bundle's transform. */
  static EntityTable entities(Entity entity, ColumnFile f, FeatureTransform transform) {
    Map<String, String[]> raw = new LinkedHashMap<>();
    for (ColumnFile.ColumnMeta c : f.header().columns()) {
      if (c.name().startsWith("raw.")) {
        raw.put(c.name().substring(4), f.strings(c.name()));
      }
    }
    return new EntityTable(entity, f.strings("id"), raw, transform);
  }

  /** The same models over another catalogue (for benchmarks on synthetic catalogues); no known users. */
  public ServingBundle withCatalogue(ItemVectors vectors, EntityTable catalogue, float[] itemPopularity) {
    return new ServingBundle(name, version, manifest, transform, retrievalSpec, userTower, vectors, catalogue, itemPopularity, users,
        new ColumnFile.IntLists(new int[users.size() + 1], new int[0]), rankingSpec, ranking, servingYaml, history, dir);
  }

  /** The same bundle with another history (e.g. the events up to some time, to replay the rest live). */
  public ServingBundle withHistory(HistoryEvents events) {
    return new ServingBundle(name, version, manifest, transform, retrievalSpec, userTower, itemVectors, items, popularity, users, seen,
        rankingSpec, ranking, servingYaml, events, dir);
  }

  /**
   * The events the bundle's history is rebuilt from (as of export); null when its transform has no history features.
   */
  public HistoryEvents history() {
    return history;
  }

  /**
   * Where the events posted to this version are logged unless told otherwise: {@code REGISTRY/NAME/events/vN}, beside
   * the (immutable) version directory and ignored by the registry; null for a bundle assembled in memory.
   */
  public org.apache.hadoop.fs.Path defaultEventsLog() {
    return dir == null ? null : new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(dir.getParent(), "events"), dir.getName());
  }

  /** The registry version's directory this bundle was loaded from (null for a bundle assembled in memory). */
  public org.apache.hadoop.fs.Path dir() {
    return dir;
  }

  public String name() {
    return name;
  }

  public int version() {
    return version;
  }

  /** The registry manifest (null for bundles assembled in memory). */
  public VersionManifest manifest() {
    return manifest;
  }

  public FeatureTransform transform() {
    return transform;
  }

  public ModelSpec retrievalSpec() {
    return retrievalSpec;
  }

  public ComputationGraph userTower() {
    return userTower;
  }

  public ItemVectors itemVectors() {
    return itemVectors;
  }

  public EntityTable items() {
    return items;
  }

  /** Train positives per item. */
  public float[] popularity() {
    return popularity;
  }

  public EntityTable users() {
    return users;
  }

  /** Item rows user {@code row} interacted with (train, validation and test), ascending. */
  public int[] seen(int userRow) {
    return Arrays.copyOfRange(seen.values(), seen.offsets()[userRow], seen.offsets()[userRow + 1]);
  }

  public boolean hasRanking() {
    return ranking != null;
  }

  public ModelSpec rankingSpec() {
    return rankingSpec;
  }

  public ComputationGraph ranking() {
    return ranking;
  }

  /** The serving configuration shipped with the version (null: defaults). */
  public String servingYaml() {
    return servingYaml;
  }
}
