package dev.tandem.trainer.train;

import dev.tandem.CodeVersion;
import dev.tandem.Shuffle;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.progress.Progress;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.checkpoint.CheckpointStore;
import dev.tandem.trainer.checkpoint.FsCheckpointStore;
import dev.tandem.trainer.checkpoint.Provenance;
import dev.tandem.trainer.checkpoint.TrainingState;
import dev.tandem.trainer.ParameterServerSection;
import dev.tandem.trainer.embedding.ShardedStore;
import dev.tandem.trainer.eval.EvalConfig;
import dev.tandem.trainer.eval.ModelEvaluator;
import dev.tandem.trainer.metrics.EpochMetrics;
import dev.tandem.trainer.metrics.Metric;
import dev.tandem.trainer.metrics.Scores;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.ModelSpec;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.RecommenderModel;
import dev.tandem.trainer.model.SparseEmbeddings;
import dev.tandem.trainer.model.TwoTowerModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The single-node training loop of one model: shuffled epochs, validation after each, early stopping, checkpoints
 * every N steps and at each epoch end, metrics and curves. With one worker it is exactly reproducible, and resuming
 * from any checkpoint continues bit-for-bit where that checkpoint left off.
 */
public final class TrainingLoop {
  private static final Logger LOG = LogManager.getLogger(TrainingLoop.class);

  /**
   * What the loop needs. {@code title} names the model in progress and logs; {@code shards} names the
   * parameter-server shards of a model with {@code model.embeddings.store: sharded} (null otherwise).
   */
  public record Setup(String title, ModelSpec spec, TrainConfig train, EvalConfig eval, long seed, PreparedDataset dataset,
      RunDirectory run, String jobYaml, String configSha256, Progress progress, EpochRunner epochs, ParameterServerSection shards) {

    /** A loop whose model keeps its tables in the network or in this process. */
    public Setup(String title, ModelSpec spec, TrainConfig train, EvalConfig eval, long seed, PreparedDataset dataset, RunDirectory run,
        String jobYaml, String configSha256, Progress progress, EpochRunner epochs) {
      this(title, spec, train, eval, seed, dataset, run, jobYaml, configSha256, progress, epochs, null);
    }
  }

  /** Fails fast, with advice, when training diverges. */
  public static void checkFinite(double loss, int epoch, int step) {
    if (Double.isNaN(loss) || Double.isInfinite(loss)) {
      throw new IllegalStateException("the loss became " + loss + " at epoch " + (epoch + 1) + ", step " + step
          + "; lower train.learning_rate or set train.gradient_clip");
    }
  }

  private final Setup s;
  private final CheckpointStore store;
  /** This training session of the run, as parameter-server shards know it. */
  private final String session;

  public TrainingLoop(Setup setup) {
    this.s = setup;
    this.session = setup.run().root() + "#" + java.util.UUID.randomUUID();
    this.store = new FsCheckpointStore(setup.run().checkpoints(), setup.shards() == null ? 1 : setup.shards().fullCheckpointEvery());
  }

  public CheckpointStore store() {
    return store;
  }

  /** The validation metric that chooses the best epoch and drives early stopping (see {@link Metric#watched}). */
  public Metric metric() {
    return Metric.watched(s.train().earlyStopping().metric(), s.spec().isTwoTower(), s.eval().k());
  }

  /** Trains from scratch, or from the latest good checkpoint if {@code resume}. Returns the final state. */
  public TrainingState run(boolean resume) {
    return run(resume, false);
  }

  /**
   * Trains from scratch, or from the latest good checkpoint if {@code resume}. Returns the final state.
   *
   * @param fresh when resuming finds checkpoints but every one is damaged: start over (moving them aside) instead of
   *              refusing with what was found
   * @throws CorruptDataException when resuming finds only damaged checkpoints and {@code fresh} is false
   */
  public TrainingState run(boolean resume, boolean fresh) {
    long wallStart = System.nanoTime();
    Examples split = Examples.of(s.dataset(), s.dataset().read(SplitName.TRAIN));

    Examples data;
    float[] logq = null;
    if (s.spec().isTwoTower()) {
      data = split.positives();
      logq = TwoTowerModel.itemLogq(data, s.dataset().items().size());
    } else {
      data = split;
    }
    int n = data.size();
    int batch = Math.min(s.train().batchSize(), n);
    // Two-tower: drop the last partial batch (a smaller batch has fewer negatives); the shuffle changes every epoch.
    int stepsPerEpoch = s.spec().isTwoTower() ? Math.max(1, n / batch) : (n + batch - 1) / batch;
    int planned = stepsPerEpoch * s.train().epochs();

    RecommenderModel model;
    TrainingState state;
    Checkpoint from = resume ? resumePoint(fresh) : null;
    if (from != null) {
      Checkpoint.Sparse sparse = from.sparse();
      model = sparse == null ? RecommenderModel.wrap(from.spec(), from.graph(), logq)
          : RecommenderModel.wrap(sparse.trainingSpec(), sparse.trainingGraph(), logq, onShards(sparse, from.id()));
      state = from.state();
      LOG.info("{}: resuming from {} (epoch {}, step {} of {})", s.title(), from.id(), state.epoch() + 1, state.stepInEpoch(), stepsPerEpoch);
      if (!model.spec().equals(s.spec())) {
        closeTables(model);
        throw new IllegalStateException("checkpoint " + from.id() + " was made for another model spec; refusing to resume");
      }
    } else {
      if (resume) {
        LOG.info("{}: no checkpoint to resume from: starting from scratch", s.title());
      }
      SparseEmbeddings tables = s.spec().config().embeddings().beside()
          ? SparseEmbeddings.open(s.spec(), s.train(), s.seed(), s.shards() == null ? null : s.shards().settings(session)) : null;
      try {
        model = s.spec().isTwoTower() ? TwoTowerModel.create(s.spec(), s.train(), s.seed(), planned, logq, tables)
            : RankingModel.create(s.spec(), s.train(), s.seed(), planned, tables);
      } catch (RuntimeException e) {
        if (tables != null) {
          tables.close(); // a sharded store's media driver would outlive the failed run
        }
        throw e;
      }
      state = TrainingState.start(s.seed());
    }
    if (state.finished()) {
      LOG.info("{}: already finished ({})", s.title(), state.stopReason());
      closeTables(model);
      return state;
    }
    Metric metric = metric();
    List<EpochMetrics> history = new ArrayList<>(state.history());
    EpochRunner runner = s.epochs();
    try {
      for (int epoch = state.epoch(); epoch < s.train().epochs(); epoch++) {
        int first = epoch == state.epoch() ? state.stepInEpoch() : 0;
        if (epoch != state.epoch()) {
          state = new TrainingState(epoch, 0, state.globalStep(), s.seed(), state.bestMetric(), state.bestCheckpoint(),
              state.epochsWithoutImprovement(), false, null, history, 0, 0);
        }
        long epochStart = System.nanoTime();
        EpochRunner.Done done;
        RecommenderModel m = model;
        try (Progress.Task task = s.progress().start(s.title() + " epoch " + (epoch + 1) + "/" + s.train().epochs(),
            (long) (stepsPerEpoch - first) * batch, "ex")) {
          done = runner.run(model, data, new EpochRunner.Epoch(epoch, permutation(n, s.seed(), epoch), first, stepsPerEpoch, batch,
              s.seed(), state), task, mid -> save(m, mid, null));
        }
        double lossSum = state.epochLossSum() + done.lossSum();
        long lossSteps = state.epochLossSteps() + done.steps();
        long globalStep = state.globalStep() + done.steps();
        double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
        model.graph().incrementEpochCount();

        Scores val = ModelEvaluator.evaluate(model.sparse() == null ? model : model.sparse().inNetwork(model), s.dataset(),
            SplitName.VALIDATION, s.eval(), s.train().evalBatchUsers());
        double value = val.value(metric);
        TrainConfig.EarlyStopping es = s.train().earlyStopping();
        boolean watched = es.watches(epoch + 1);
        boolean improved = watched && metric.improves(value, state.bestMetric(), es.minDelta());
        EpochMetrics line = new EpochMetrics(epoch + 1, globalStep, lossSteps == 0 ? Double.NaN : lossSum / lossSteps, val.values(),
            learningRate(model, globalStep, epoch), done.examples() / Math.max(epochSeconds, 1e-9), epochSeconds, improved, extraMetrics(model, epoch));
        history.add(line);
        int without = improved || !watched ? 0 : state.epochsWithoutImprovement() + 1;
        String id = FsCheckpointStore.idFor(globalStep);
        TrainConfig.EarlyStopping early = s.train().earlyStopping();
        boolean last = epoch + 1 >= s.train().epochs();
        boolean stop = !last && early.patience() > 0 && without >= early.patience();
        double minutes = (System.nanoTime() - wallStart) / 60e9;
        boolean outOfTime = !last && !stop && s.train().maxMinutes() != null && minutes >= s.train().maxMinutes();
        String reason = last ? "completed all " + s.train().epochs() + " epochs"
            : stop ? String.format("early stopping after epoch %d of %d: no %s improvement for %d epoch%s (patience %d, min_delta %s)",
                epoch + 1, s.train().epochs(), metric.key(SplitName.VALIDATION), without, without == 1 ? "" : "s", early.patience(), early.minDelta())
            : outOfTime ? String.format("time limit: train.max_minutes %s reached after epoch %d of %d (%.1f minutes)",
                s.train().maxMinutes(), epoch + 1, s.train().epochs(), minutes)
            : null;
        stop = stop || outOfTime;
        state = new TrainingState(epoch + 1, 0, globalStep, s.seed(), improved ? value : state.bestMetric(),
            improved ? id : state.bestCheckpoint(), without, stop || last, reason, List.copyOf(history), 0, 0);
        save(model, state, line);
        if (improved) {
          store.markBest(id);
        }
        s.run().writeMetrics(history);
        try {
          TrainingCurves.write(s.run().curves(), s.title(), history, metric, null);
        } catch (Exception e) {
          LOG.warn("could not draw training curves: {}", e.toString());
        }
        LOG.info("{}: epoch {} loss {} val {} {} ({}{} ex/s)", s.title(), epoch + 1, String.format("%.4f", line.trainLoss()),
            metric, String.format("%.4f", value), improved ? "best, " : "", String.format("%,.0f", line.examplesPerSecond()));
        if (model.sparse() != null) {
          for (int t = 0; t < model.sparse().store().tables().size(); t++) {
            dev.tandem.trainer.embedding.TableStats st = model.sparse().store().stats(t);
            LOG.info("{}: embedding table {}: {} rows, {} MB ({} bytes/row, ideal {}); admitted {}, evicted {}, refused {}, dropped gradients {}",
                s.title(), st.name(), st.rows(), String.format("%.1f", st.bytes() / 1048576.0), String.format("%.0f", st.bytesPerRow()),
                st.idealBytesPerRow(), st.admitted(), st.evicted(), st.refused(), st.droppedGradients());
          }
        }
        if (stop) {
          break;
        }
      }
    } finally {
      runner.close();
      if (model.sparse() != null) {
        model.sparse().close(); // a sharded store's connections; the shards keep their rows
      }
    }
    LOG.info("{}: {} in {} s", s.title(), state.stopReason(), String.format("%.1f", (System.nanoTime() - wallStart) / 1e9));
    return state;
  }

  /**
   * The checkpoint to resume from: the newest that verifies; null when there is none at all. When there are checkpoints
   * but every one is damaged, starting over silently would throw away the run's progress in the name of resuming it:
   * that is refused, naming each checkpoint and why it was refused, unless {@code fresh} asks for the new start (the
   * damaged checkpoints are then moved aside, kept for inspection).
   */
  private Checkpoint resumePoint(boolean fresh) {
    Map<String, String> refused = new LinkedHashMap<>();
    Checkpoint from = store.latestGood(refused).orElse(null);
    if (from != null || refused.isEmpty()) {
      return from;
    }
    org.apache.hadoop.fs.Path dir = s.run().checkpoints();
    if (!fresh) {
      StringBuilder sb = new StringBuilder("every checkpoint is damaged, so " + s.title() + " cannot resume:");
      refused.forEach((id, why) -> sb.append("\n  ").append(id).append(": ").append(why));
      sb.append("\nrestore them, or start the run over with: tandem train --resume ").append(s.run().root()).append(" --fresh");
      throw new CorruptDataException(dir.toString(), sb.toString());
    }
    org.apache.hadoop.fs.Path aside = new org.apache.hadoop.fs.Path(dir.getParent(), "checkpoints-damaged-"
        + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC).format(Instant.now()));
    try {
      dev.tandem.fs.Fs.renameOverwrite(dir, aside);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot move the damaged checkpoints aside", e);
    }
    LOG.info("{}: every checkpoint was damaged ({}); --fresh: starting over, the damaged checkpoints are kept in {}", s.title(),
        String.join(", ", refused.keySet()), aside);
    return null;
  }

  /**
   * The tables a resumed run continues from: for a sharded store, the shards (connected, their rows replaced by the
   * checkpoint's, re-hashed if the number of shards changed); else the checkpoint's in-process store.
   */
  private SparseEmbeddings onShards(Checkpoint.Sparse sparse, String id) {
    if (sparse.parts() == null && s.shards() == null) {
      return sparse.embeddings();
    }
    if (sparse.parts() == null || s.shards() == null) {
      throw new IllegalStateException("checkpoint " + id + " holds " + (sparse.parts() == null ? "an in-process" : "a sharded")
          + " store's tables, but this job's model.embeddings.store is " + s.spec().config().embeddings().store().key());
    }
    SparseEmbeddings shards = SparseEmbeddings.open(sparse.trainingSpec(), s.train(), s.seed(), s.shards().settings(session));
    try {
      ShardedStore store = (ShardedStore) shards.store();
      int written = sparse.parts().stream().mapToInt(ShardedStore.PartFile::shards).max().orElse(0);
      store.restore(sparse.parts());
      LOG.info("{}: {} shard{} restored from checkpoint {} (written by {} shard{})", s.title(), store.shards(), store.shards() == 1 ? "" : "s",
          id, written, written == 1 ? "" : "s");
    } catch (RuntimeException e) {
      shards.close();
      throw e;
    } finally {
      sparse.embeddings().close();
    }
    return shards;
  }

  /** Closes the tables beside the network of a model that will not train (a sharded store: its connections). */
  private static void closeTables(RecommenderModel model) {
    if (model.sparse() != null) {
      model.sparse().close();
    }
  }

  /** Per-epoch extras from the runner's environment (e.g. gradient traffic of a distributed run). */
  private Map<String, Number> extraMetrics(RecommenderModel model, int epoch) {
    Map<String, Number> out = new LinkedHashMap<>(s.epochs() instanceof MetricsSource src ? src.epochMetrics(epoch) : Map.of());
    if (model.sparse() != null) {
      out.putAll(embeddingMetrics(model.sparse().store()));
      if (model.sparse().store() instanceof ShardedStore sharded) {
        out.putAll(shardMetrics(sharded, epoch));
      }
    }
    return out;
  }

  /** Each shard's counters at the end of the previous epoch, for rates per epoch. */
  private List<ShardedStore.ShardStats> lastShardStats;
  private long lastShardStatsNanos;

  /**
   * Each parameter-server shard's load for metrics.jsonl ({@code ps_shardN_rows}, {@code _bytes}, {@code _requests},
   * {@code _requests_per_s}, {@code _bytes_in_per_s} / {@code _bytes_out_per_s} and {@code _service_cores} (CPU seconds
   * the shard spent serving requests per second: the share of a core they took) over the epoch, {@code _bytes_in},
   * {@code _bytes_out} so far), and the same per shard with totals in the run's {@code traffic.json}.
   */
  private Map<String, Number> shardMetrics(ShardedStore store, int epoch) {
    List<ShardedStore.ShardStats> now = store.shardStats();
    long t = System.nanoTime();
    double seconds = lastShardStats == null ? Double.NaN : (t - lastShardStatsNanos) / 1e9;
    Map<String, Number> out = new LinkedHashMap<>();
    List<Map<String, Object>> shards = new ArrayList<>();
    long in = 0;
    long outBytes = 0;
    long requests = 0;
    for (ShardedStore.ShardStats st : now) {
      ShardedStore.ShardStats before = lastShardStats == null || lastShardStats.size() != now.size() ? null : lastShardStats.get(st.shard());
      String p = "ps_shard" + st.shard() + "_";
      out.put(p + "rows", st.rows());
      out.put(p + "bytes", st.bytes());
      out.put(p + "requests", st.requests());
      out.put(p + "bytes_in", st.bytesIn());
      out.put(p + "bytes_out", st.bytesOut());
      if (before != null && seconds > 0) {
        out.put(p + "requests_per_s", Math.round((st.requests() - before.requests()) / seconds * 10) / 10.0);
        out.put(p + "bytes_in_per_s", Math.round((st.bytesIn() - before.bytesIn()) / seconds));
        out.put(p + "bytes_out_per_s", Math.round((st.bytesOut() - before.bytesOut()) / seconds));
        out.put(p + "service_cores", Math.round((st.serviceCpuNanos() - before.serviceCpuNanos()) / 1e9 / seconds * 1000) / 1000.0);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("shard", st.shard());
      row.put("address", st.address());
      row.put("rows", st.rows());
      row.put("bytes", st.bytes());
      row.put("requests", st.requests());
      row.put("rows_pulled", st.rowsPulled());
      row.put("rows_pushed", st.rowsPushed());
      row.put("bytes_in", st.bytesIn());
      row.put("bytes_out", st.bytesOut());
      row.put("uptime_ms", st.uptimeMs());
      row.put("requests_per_s_over_uptime", st.uptimeMs() == 0 ? 0 : Math.round(st.requests() * 1000.0 / st.uptimeMs() * 10) / 10.0);
      row.put("service_cpu_ms", st.serviceCpuNanos() / 1_000_000);
      row.put("process_cpu_ms", st.processCpuNanos() < 0 ? -1 : st.processCpuNanos() / 1_000_000);
      shards.add(row);
      in += st.bytesIn();
      outBytes += st.bytesOut();
      requests += st.requests();
    }
    lastShardStats = now;
    lastShardStatsNanos = t;
    Map<String, Object> ps = new LinkedHashMap<>();
    ps.put("epoch", epoch + 1);
    ps.put("shards", shards);
    ps.put("totals", Map.of("requests", requests, "bytes_to_shards", in, "bytes_from_shards", outBytes));
    ps.put("note", "counters of each shard since it started (a shard serving several runs counts them all): bytes_in are the pull, "
        + "lookup and push requests it received (ids and row gradients), bytes_out the rows and acknowledgements it sent");
    try {
      s.run().writeJson(new org.apache.hadoop.fs.Path(s.run().root(), "traffic.json"), Map.of("parameter_server", ps));
    } catch (RuntimeException e) {
      LOG.warn("could not write traffic.json: {}", e.toString());
    }
    return out;
  }

  /**
   * What the tables beside the network hold, for metrics.jsonl: per table {@code embeddings_TABLE_rows}, {@code _bytes}
   * (all its arrays), {@code _bytes_per_row}, {@code _ideal_bytes_per_row} (floats plus optimizer state), and the
   * counts so far of {@code _admitted}, {@code _evicted} and {@code _refused} ids and {@code _dropped_gradients}.
   */
  public static Map<String, Number> embeddingMetrics(dev.tandem.trainer.embedding.EmbeddingStore store) {
    Map<String, Number> out = new LinkedHashMap<>();
    for (int i = 0; i < store.tables().size(); i++) {
      dev.tandem.trainer.embedding.TableStats t = store.stats(i);
      String p = "embeddings_" + t.name() + "_";
      out.put(p + "rows", t.rows());
      out.put(p + "bytes", t.bytes());
      out.put(p + "bytes_per_row", t.rows() == 0 ? 0 : Math.round(t.bytesPerRow() * 10) / 10.0);
      out.put(p + "ideal_bytes_per_row", t.idealBytesPerRow());
      out.put(p + "admitted", t.admitted());
      out.put(p + "evicted", t.evicted());
      out.put(p + "refused", t.refused());
      out.put(p + "dropped_gradients", t.droppedGradients());
    }
    return out;
  }

  /** An epoch runner that reports metrics of its own for metrics.jsonl. */
  public interface MetricsSource {
    /**
     * What the runner measured during an epoch, by the key each gets in metrics.jsonl (written after the loop's own
     * fields); called once the epoch has finished. The loop copies the map.
     *
     * @param epoch 0-based
     * @return empty when the runner has nothing for that epoch
     */
    Map<String, Number> epochMetrics(int epoch);
  }

  private static double learningRate(RecommenderModel model, long step, int epoch) {
    for (org.deeplearning4j.nn.api.Layer l : model.graph().getLayers()) {
      org.nd4j.linalg.learning.config.IUpdater u = l.conf().getLayer().getUpdaterByParam("W");
      if (u != null && u.hasLearningRate()) {
        return u.getLearningRate((int) step, epoch);
      }
    }
    return Double.NaN;
  }

  /** Checkpoints the model; its provenance records the metrics of this epoch (null mid-epoch: the last finished one's). */
  private void save(RecommenderModel model, TrainingState state, EpochMetrics metrics) {
    Map<String, Object> latest = metrics != null ? metrics.toJson()
        : state.history().isEmpty() ? Map.of() : state.history().get(state.history().size() - 1).toJson();
    Provenance provenance = Provenance.ofTraining(s.configSha256(), s.dataset().fingerprint(), s.dataset().dir().toString(),
        s.dataset().manifest().cacheKey(), s.dataset().manifest().inputs(), CodeVersion.get(), Instant.now().toString(), latest, null);
    Checkpoint.Sparse sparse = model.sparse() == null ? null : new Checkpoint.Sparse(model.graph(), model.spec(), model.sparse());
    store.save(new Checkpoint(FsCheckpointStore.idFor(state.globalStep()), model.graph(), state, model.spec(), s.dataset().transform(),
        s.jobYaml(), provenance, sparse), s.train().keepCheckpoints());
  }

  /** The data order of an epoch: a function of (seed, epoch) only. */
  public static int[] permutation(int n, long seed, int epoch) {
    return Shuffle.permutation(n, new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L));
  }
}
