package dev.tandem.serving.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.Entity;
import dev.tandem.datasets.EntityTable;
import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.history.HistoryEvents;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.ModelRegistry;
import dev.tandem.serving.registry.Publication;
import dev.tandem.serving.registry.VersionManifest;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.metrics.EvaluationResult;
import dev.tandem.trainer.metrics.Scores;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.TwoTowerModel;
import dev.tandem.trainer.train.RunDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns training runs into a serving bundle for the registry. A bundle serves one two-tower run (retrieval) and
 * optionally one ranking run; both must have been trained on the same prepared dataset (same fingerprint), because
 * one feature transform encodes every request for both models.
 */
public final class BundleExporter {
  private static final Logger LOG = LogManager.getLogger(BundleExporter.class);

  private BundleExporter() {}

  /**
   * What to export.
   *
   * @param run               the two-tower (retrieval) run
   * @param checkpoint        best, latest or a checkpoint id
   * @param rankingRun        a ranking run on the same dataset (optional)
   * @param rankingCheckpoint its checkpoint: best, latest or an id
   * @param servingYaml       the serving configuration to ship (null: the defaults)
   * @param parent            the version this one replaces (null: the registry decides)
   * @param sweep             for a run chosen by a hyperparameter sweep: the sweep, space, trial, rank and objective,
   *                          recorded in the retrieval model's provenance (null otherwise)
   */
  public record Request(String run, String checkpoint, String rankingRun, String rankingCheckpoint, String servingYaml, Integer parent,
      JsonNode sweep) {
    public Request {
      checkpoint = checkpoint == null ? "best" : checkpoint;
      rankingCheckpoint = rankingCheckpoint == null ? "best" : rankingCheckpoint;
    }

    /** A request without sweep information. */
    public Request(String run, String checkpoint, String rankingRun, String rankingCheckpoint, String servingYaml, Integer parent) {
      this(run, checkpoint, rankingRun, rankingCheckpoint, servingYaml, parent, null);
    }
  }

  /** Exports and publishes a new version of {@code name}. */
  public static VersionManifest export(ModelRegistry registry, String name, Request request) {
    return registry.publish(name, publication(request));
  }

  /** The publication of a request: reads the runs and writes the bundle's files into the registry's staging directory. */
  public static Publication publication(Request r) {
    if (r.run() == null) {
      throw new IllegalArgumentException("a two-tower run is required (--run)");
    }
    // the serving configuration is validated before any expensive work
    String servingYaml = r.servingYaml() != null ? r.servingYaml() : ServingConfig.DEFAULT_YAML;
    ServingConfig.parse(servingYaml, "serving configuration");
    return staging -> write(r, servingYaml, staging);
  }

  private static Publication.Contents write(Request r, String servingYaml, Path staging) throws IOException {
    RunDirectory run = RunDirectory.at(r.run());
    Checkpoint tt = Evaluation.checkpoint(run, r.checkpoint());
    if (!tt.spec().isTwoTower()) {
      throw new IllegalArgumentException(run.root() + " is a ranking run; --run takes the two-tower (retrieval) run and --ranking-run the"
          + " ranking run");
    }
    PreparedDataset ds = dataset(run, tt);
    if (!tt.transform().equals(ds.transform())) {
      throw new IllegalArgumentException("the feature transform of checkpoint " + tt.id() + " differs from the one of dataset " + ds.dir());
    }
    Checkpoint rk = null;
    RunDirectory rankingRun = null;
    if (r.rankingRun() != null) {
      rankingRun = RunDirectory.at(r.rankingRun());
      rk = Evaluation.checkpoint(rankingRun, r.rankingCheckpoint());
      if (rk.spec().isTwoTower()) {
        throw new IllegalArgumentException(rankingRun.root() + " is a two-tower run, not a ranking run (--ranking-run)");
      }
      if (!rk.provenance().datasetFingerprint().equals(tt.provenance().datasetFingerprint()) || !rk.transform().equals(tt.transform())) {
        throw new IllegalArgumentException("the ranking run " + rankingRun.root() + " was trained on dataset "
            + rk.provenance().datasetFingerprint() + " but the two-tower run on " + tt.provenance().datasetFingerprint()
            + ": a bundle encodes requests with one feature transform, so both models must come from the same prepared dataset");
      }
    }

    Map<String, VersionManifest.ModelEntry> models = new LinkedHashMap<>();
    VersionManifest.ModelEntry retrieval = entry("two_tower", run, tt, ds);
    if (r.sweep() != null) {
      retrieval = new VersionManifest.ModelEntry(retrieval.kind(), retrieval.run(), retrieval.checkpoint(), retrieval.split(),
          retrieval.metrics(), retrieval.baseline(), retrieval.config(), retrieval.provenance().withSweep(r.sweep()));
    }
    models.put("retrieval", retrieval);
    write(staging, ServingBundle.TRANSFORM, tt.transform().toJson().getBytes(StandardCharsets.UTF_8));
    write(staging, ServingBundle.RETRIEVAL_SPEC, Persisted.write(tt.spec(), ModelSpec.FORMAT));
    write(staging, ServingBundle.RETRIEVAL_JOB, tt.jobYaml().getBytes(StandardCharsets.UTF_8));
    TwoTowerModel model = new TwoTowerModel(tt.spec(), tt.graph(), null);
    write(staging, ServingBundle.USER_TOWER, serialize(model.tower(TwoTowerModel.Part.USER)));
    write(staging, ServingBundle.ITEM_VECTORS, itemVectors(model, tt, ds));
    write(staging, ServingBundle.ITEMS, items(ds));
    write(staging, ServingBundle.USERS, users(ds));
    write(staging, ServingBundle.PROFILE, Fs.readAll(new Path(ds.dir(), "profile.json")));
    write(staging, ServingBundle.SERVING, servingYaml.getBytes(StandardCharsets.UTF_8));
    HistoryEvents history = HistoryEvents.of(ds);
    if (history != null) { // the history as of export, so that the server's first requests see what training saw
      write(staging, ServingBundle.HISTORY_EVENTS, history.toBytes());
      LOG.info("bundle history: {} events up to {}", history.size(), java.time.Instant.ofEpochSecond(history.lastTimestamp()));
    }
    if (rk != null) {
      models.put("ranking", entry("ranking/" + rk.spec().config().architecture().key(), rankingRun, rk, ds));
      write(staging, ServingBundle.RANKING_SPEC, Persisted.write(rk.spec(), ModelSpec.FORMAT));
      write(staging, ServingBundle.RANKING_MODEL, serialize(rk.graph()));
      write(staging, ServingBundle.RANKING_JOB, rk.jobYaml().getBytes(StandardCharsets.UTF_8));
    }
    JsonNode serving = ConfigLoader.yaml().readTree(servingYaml);
    VersionManifest.DatasetEntry dataset = new VersionManifest.DatasetEntry(ds.fingerprint(), ds.dir().toString(), ServingBundle.PROFILE,
        ds.users().size(), ds.items().size());
    return new Publication.Contents(models, dataset, serving, r.parent());
  }

  private static PreparedDataset dataset(RunDirectory run, Checkpoint c) {
    String path = c.provenance().datasetPath();
    try {
      PreparedDataset ds = PreparedDataset.open(path);
      if (!ds.fingerprint().equals(c.provenance().datasetFingerprint())) {
        throw new IllegalArgumentException("the dataset at " + path + " has changed since " + run.root() + " was trained (fingerprint "
            + ds.fingerprint() + ", trained on " + c.provenance().datasetFingerprint() + ")");
      }
      return ds;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("exporting needs the dataset the run was trained on (for the catalogue and the users): "
          + e.getMessage(), e);
    }
  }

  /**
   * Metrics of the exported checkpoint with its baseline's, headline numbers only (no groups, no calibration table):
   * from the run's test evaluation when it describes this checkpoint, else evaluated now.
   */
  private static VersionManifest.ModelEntry entry(String kind, RunDirectory run, Checkpoint c, PreparedDataset ds) throws IOException {
    EvaluationResult eval = run.readEval(SplitName.TEST) // the manifest holds test metrics only
        .filter(e -> c.id().equals(e.checkpoint()) && ds.fingerprint().equals(e.dataset())).orElse(null);
    if (eval == null) {
      LOG.info("evaluating {} checkpoint {} on the test split for the registry manifest", run.root(), c.id());
      JobConfig job = JobConfig.load(run.job().toString(), List.of()).value();
      eval = Evaluation.evaluate(run, ds, SplitName.TEST, job.eval(), c.id());
    }
    EvaluationResult.Baseline baseline = new EvaluationResult.Baseline(eval.baseline().name(), null, headline(eval.baseline().scores()));
    JsonNode config = ConfigLoader.yaml().readTree(c.jobYaml());
    return new VersionManifest.ModelEntry(kind, run.root().toString(), c.id(), eval.split() == null ? "test" : eval.split(),
        headline(eval.scores()), baseline, config, c.provenance());
  }

  /**
   * The finite values of a model's scores: a manifest holds headline numbers, and a value that is not one (NaN where a
   * split had nothing to score) says nothing to compare.
   */
  private static Scores headline(Scores scores) {
    Map<String, Double> out = new LinkedHashMap<>();
    scores.values().forEach((name, value) -> {
      if (Double.isFinite(value)) {
        out.put(name, value);
      }
    });
    return Scores.of(out);
  }

  private static byte[] serialize(ComputationGraph g) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
    ModelSerializer.writeModel(g, out, false);
    return out.toByteArray();
  }

  /** Every item's vector by the item tower, batched as in offline evaluation; stored one column per dimension. */
  private static byte[] itemVectors(TwoTowerModel model, Checkpoint tt, PreparedDataset ds) {
    int n = ds.items().size();
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    INDArray v = TwoTowerModel.vectors(model.tower(TwoTowerModel.Part.ITEM), tt.spec().item(), tt.transform(), ds.items().encoded(),
        Entity.ITEM, all, 4096);
    float[][] rows = v.toFloatMatrix();
    int dim = rows.length == 0 ? tt.spec().config().outputDim() : rows[0].length;
    ColumnFile.Builder b = new ColumnFile.Builder("item_vectors", n).meta("dim", dim);
    for (int d = 0; d < dim; d++) {
      float[] col = new float[n];
      for (int i = 0; i < n; i++) {
        col[i] = rows[i][d];
      }
      b.floats("d" + d, col);
    }
    return b.toBytes();
  }

  private static byte[] items(PreparedDataset ds) {
    EntityTable items = ds.items();
    float[] popularity = new float[items.size()];
    EventBatch train = ds.read(SplitName.TRAIN);
    for (int i = 0; i < train.size(); i++) {
      if (train.label()[i] > 0) {
        popularity[train.item()[i]] += 1;
      }
    }
    ColumnFile.Builder b = new ColumnFile.Builder("serving_items", items.size()).strings("id", items.ids());
    for (Map.Entry<String, String[]> e : items.raw().entrySet()) {
      b.strings("raw." + e.getKey(), e.getValue());
    }
    return b.floats("popularity", popularity).toBytes();
  }

  /** Known users with their raw attributes and every item they interacted with (train, validation, test). */
  private static byte[] users(PreparedDataset ds) {
    EntityTable users = ds.users();
    int n = users.size();
    List<BitSet> seen = new ArrayList<>(n);
    for (int u = 0; u < n; u++) {
      seen.add(null);
    }
    for (SplitName s : SplitName.values()) {
      EventBatch b = ds.read(s);
      for (int i = 0; i < b.size(); i++) {
        int u = b.user()[i];
        if (seen.get(u) == null) {
          seen.set(u, new BitSet());
        }
        seen.get(u).set(b.item()[i]);
      }
    }
    int[] offsets = new int[n + 1];
    for (int u = 0; u < n; u++) {
      offsets[u + 1] = offsets[u] + (seen.get(u) == null ? 0 : seen.get(u).cardinality());
    }
    int[] values = new int[offsets[n]];
    for (int u = 0; u < n; u++) {
      if (seen.get(u) != null) {
        int k = offsets[u];
        for (int it = seen.get(u).nextSetBit(0); it >= 0; it = seen.get(u).nextSetBit(it + 1)) {
          values[k++] = it;
        }
      }
    }
    ColumnFile.Builder b = new ColumnFile.Builder("serving_users", n).strings("id", users.ids());
    for (Map.Entry<String, String[]> e : users.raw().entrySet()) {
      b.strings("raw." + e.getKey(), e.getValue());
    }
    return b.intLists("seen", offsets, values, ds.items().size()).toBytes();
  }

  private static void write(Path dir, String name, byte[] bytes) throws IOException {
    FsModelRegistry.writeSynced(new Path(dir, name), bytes);
  }
}
