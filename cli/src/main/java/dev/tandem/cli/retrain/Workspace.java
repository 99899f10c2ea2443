package dev.tandem.cli.retrain;

import dev.tandem.trainer.eval.Bootstrap;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.drift.DriftAnalysis;
import dev.tandem.datasets.drift.DriftReport;
import dev.tandem.datasets.drift.DriftStatus;
import dev.tandem.datasets.profile.DatasetProfile;
import dev.tandem.datasets.profile.SplitProfile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.eval.Evaluation;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.ModelConfig;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.train.Datasets;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import dev.tandem.trainer.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The state directory of a retraining loop: prepared datasets (cached by recipe), one model per training cut-off
 * ({@code models/m-<cut-off>}, trained on every event before it; an unfinished one is resumed, a finished one reused),
 * and each model's scores on a window. Every model's dataset keeps all events from its cut-off on as its test split,
 * encoded with the model's own feature transform, so any later window can be scored by any model.
 */
public final class Workspace {
  private static final Logger LOG = LogManager.getLogger(Workspace.class);
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final ConfigLoader.Loaded<RetrainConfig> cfg;
  private final Path root;
  private final String jobText;
  private final String jobLocation;
  private final String jobBaseDir;
  private final Progress progress;
  private final Map<String, WindowScores> scores = new HashMap<>();
  private final Map<Long, Model> models = new HashMap<>();
  private final java.util.function.Function<ConfigLoader.Loaded<JobConfig>, Trainer> trainers;

  /** A trained model: every event before {@code trainEnd} was its training data. */
  public record Model(String id, long trainEnd, RunDirectory run, PreparedDataset dataset) {}

  /** A workspace whose models train in this JVM. */
  public Workspace(ConfigLoader.Loaded<RetrainConfig> cfg, String stateRoot, Progress progress) {
    this(cfg, stateRoot, progress, job -> new LocalTrainer());
  }

  /**
   * @param trainers the trainer of a job: this JVM, or a Spark cluster for a job with {@code cluster.mode: spark}
   */
  public Workspace(ConfigLoader.Loaded<RetrainConfig> cfg, String stateRoot, Progress progress,
      java.util.function.Function<ConfigLoader.Loaded<JobConfig>, Trainer> trainers) {
    this.trainers = trainers;
    this.cfg = cfg;
    this.root = Fs.path(stateRoot);
    this.progress = progress;
    Path job = Fs.resolve(cfg.baseDir(), cfg.value().job());
    this.jobLocation = job.toString();
    this.jobBaseDir = job.getParent() == null ? "." : job.getParent().toString();
    try {
      this.jobText = Fs.readString(job);
    } catch (IOException e) {
      throw new IllegalArgumentException("job: cannot read " + job + " (" + e.getMessage() + ")", e);
    }
    JobConfig j = job(0, 0, null).value();
    j.requireModel();
    if (j.model().type() != ModelConfig.Type.RANKING) {
      throw new ConfigException("job", jobLocation + " trains a " + j.model().type().key()
          + " model: the retraining loop compares ranking models (their probabilities, by AUC or log loss)");
    }
  }

  public Path root() {
    return root;
  }

  public RetrainConfig config() {
    return cfg.value();
  }

  /** The registry the loop's decisions go to, its location resolved against the config's directory; null if none. */
  public RetrainConfig.Registry registry() {
    RetrainConfig.Registry r = cfg.value().registry();
    return r == null ? null : new RetrainConfig.Registry(Fs.resolve(cfg.baseDir(), r.uri()).toString(), r.name(), r.alias());
  }

  /** The newest window's length in seconds. */
  public long window() {
    return cfg.value().window().seconds();
  }

  public static String stamp(long t) {
    return STAMP.format(Instant.ofEpochSecond(t));
  }

  static String iso(long t) {
    return Instant.ofEpochSecond(t).toString();
  }

  /** The job with its split replaced by cut-offs (no test end: the test split runs to the end of the log) and the config's overrides. */
  ConfigLoader.Loaded<JobConfig> job(long trainEnd, long validationEnd, Long testEnd) {
    try {
      ObjectNode tree = (ObjectNode) ConfigLoader.yaml().readTree(jobText);
      ObjectNode dataset = (ObjectNode) tree.get("dataset");
      if (dataset == null) {
        throw new ConfigException("job", jobLocation + " has no dataset section: the loop prepares each window from the raw log");
      }
      ObjectNode split = dataset.putObject("split");
      split.put("train_end", iso(trainEnd));
      split.put("validation_end", iso(validationEnd));
      if (testEnd != null) {
        split.put("test_end", iso(testEnd));
      }
      tree.remove("prepared");
      tree.put("name", cfg.value().name() + "-" + stamp(trainEnd));
      return ConfigLoader.parse(ConfigLoader.yaml().writeValueAsString(tree), jobLocation, jobBaseDir, JobConfig.class, cfg.value().set());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite the job " + jobLocation, e);
    }
  }

  private PreparedDataset prepare(ConfigLoader.Loaded<JobConfig> job) {
    return Datasets.resolve(job, new Path(root, "cache").toString(), progress);
  }

  /**
   * The data drift of the window ending at {@code t} against the window before it: a dataset cut at t - 2w, t - w and t,
   * its test split against its validation split (both profiled on the same bins).
   */
  public DriftReport drift(long t) {
    long w = window();
    PreparedDataset ds = prepare(job(t - 2 * w, t - w, t));
    DatasetProfile p = ds.profile();
    String before = "[" + iso(t - 2 * w) + ", " + iso(t - w) + ")";
    String newest = "[" + iso(t - w) + ", " + iso(t) + ")";
    SplitProfile ref = p.splits().get(SplitName.VALIDATION.key());
    SplitProfile cur = p.splits().get(SplitName.TEST.key());
    if (ref.events() == 0 || cur.events() == 0) { // a quiet window, or a cycle past the end of the log: nothing to compare
      LOG.warn("no drift check for the cycle at {}: the window {} has no events", iso(t), ref.events() == 0 ? before : newest);
      return new DriftReport(DriftReport.FORMAT, before, newest, cfg.value().drift(), DriftStatus.OK, 0,
          new DriftReport.Pair(ref.events(), cur.events()), new DriftReport.LabelRate(ref.labelRate(), cur.labelRate(),
          DriftStatus.OK), List.of(), null, List.of("no drift check: the window " + (ref.events() == 0 ? before
          : newest) + " has no events"));
    }
    return DriftAnalysis.compare(before, ref, newest, cur, cfg.value().drift());
  }

  /** The model trained on every event before {@code trainEnd}: reused if finished, resumed if interrupted, else trained. */
  public Model model(long trainEnd) {
    Model known = models.get(trainEnd);
    if (known != null) {
      return known;
    }
    ConfigLoader.Loaded<JobConfig> job = job(trainEnd, trainEnd, null);
    PreparedDataset ds = prepare(job);
    String id = "m-" + stamp(trainEnd);
    RunDirectory run = RunDirectory.at(new Path(new Path(root, "models"), id).toString());
    boolean exists = run.exists();
    if (!exists || !RunDirectory.FINISHED.equals(run.readInfo().status())) { // finished is written after the baseline too
      LOG.info("{} model {} on the events before {}", exists ? "resuming" : "training", id, iso(trainEnd));
      ConfigLoader.Loaded<JobConfig> j = exists ? JobConfig.load(run.job().toString(), List.of()) : job;
      trainers.apply(j).train(new RunRequest(j, run, ds, exists, progress));
    }
    Model m = new Model(id, trainEnd, run, ds);
    models.put(trainEnd, m);
    return m;
  }

  static Checkpoint checkpoint(Model m) {
    try {
      return Evaluation.checkpoint(m.run(), "best");
    } catch (IllegalArgumentException noBest) {
      return Evaluation.checkpoint(m.run(), "latest");
    }
  }

  /** The model's predictions for the events in [from, to); they must lie after its training cut-off. */
  public WindowScores scores(Model m, long from, long to) {
    if (from < m.trainEnd()) {
      throw new IllegalArgumentException("model " + m.id() + " was trained on events up to " + iso(m.trainEnd()) + ": it cannot be evaluated on"
          + " the window from " + iso(from));
    }
    return scores.computeIfAbsent(m.id() + "/" + from + "/" + to, k -> {
      EventBatch test = m.dataset().read(SplitName.TEST);
      int[] rows = IntStream.range(0, test.size()).filter(i -> test.timestamp()[i] >= from && test.timestamp()[i] < to)
          .toArray();
      EventBatch ev = test.select(rows);
      float[] p = rows.length == 0 ? new float[0] : Predictions.of(checkpoint(m), m.dataset(), ev);
      String[] users = new String[rows.length];
      for (int i = 0; i < rows.length; i++) {
        users[i] = m.dataset().users().id(ev.user()[i]);
      }
      return new WindowScores(m.id(), from, to, p, ev.label().clone(), users, ev.timestamp().clone());
    });
  }

  /**
   * Serving latency of the model: the time to score one request of {@code candidates} events of the window, after a
   * warm-up; {p50, p99} in milliseconds over {@code requests} requests, from the best of three rounds (on a shared
   * machine one round's p99 measures the neighbours as much as the model).
   */
  public double[] latency(Model m, long from, long to, int candidates, int requests) {
    EventBatch test = m.dataset().read(SplitName.TEST);
    int[] rows = IntStream.range(0, test.size()).filter(i -> test.timestamp()[i] >= from && test.timestamp()[i] < to)
        .toArray();
    if (rows.length == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    Checkpoint c = checkpoint(m);
    RankingModel model = (RankingModel) RecommenderModel.wrap(c.spec(), c.graph(), null);
    Examples ex = Examples.of(m.dataset(), test.select(rows));
    int n = Math.min(candidates, rows.length);
    double[] best = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
    for (int round = 0; round < 3; round++) {
      double[] ms = new double[requests];
      for (int r = -20; r < requests; r++) {
        int[] idx = new int[n];
        int start = Math.floorMod(r * 31, Math.max(1, rows.length - n + 1));
        for (int i = 0; i < n; i++) {
          idx[i] = start + i;
        }
        long t0 = System.nanoTime();
        model.predict(ex, idx);
        if (r >= 0) {
          ms[r] = (System.nanoTime() - t0) / 1e6;
        }
      }
      Arrays.sort(ms);
      if (Bootstrap.quantile(ms, 0.99) < best[1]) {
        best = new double[] {Bootstrap.quantile(ms, 0.5), Bootstrap.quantile(ms, 0.99)};
      }
    }
    return best;
  }
}
