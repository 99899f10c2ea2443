package dev.tandem.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.CodeVersion;
import dev.tandem.config.ConfigException;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.datasets.features.TransformFitter;
import dev.tandem.datasets.history.HistoryFeature;
import dev.tandem.datasets.profile.DatasetProfile;
import dev.tandem.datasets.source.EventLogReader;
import dev.tandem.datasets.source.EventLogSource;
import dev.tandem.datasets.source.InputFile;
import dev.tandem.datasets.source.MovieLens100k;
import dev.tandem.datasets.source.MovieLensSource;
import dev.tandem.datasets.source.SideTableData;
import dev.tandem.datasets.source.SideTableReader;
import dev.tandem.datasets.source.SyntheticSource;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.datasets.synth.SyntheticGenerator;
import dev.tandem.datasets.text.BadInputException;
import dev.tandem.datasets.text.BadRows;
import dev.tandem.datasets.text.RowError;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Turns raw events into a prepared dataset: read and validate, order by (timestamp, user, item), split by time, fit
 * the feature transform on train, encode, profile, and write checksummed shards plus {@code transform.json},
 * {@code profile.json}, {@code summary.json} and, last, the manifest {@code dataset.json}.
 */
public final class DatasetPreparer {
  private static final Logger LOG = LogManager.getLogger(DatasetPreparer.class);

  private final DatasetConfig cfg;
  private final JsonNode cfgTree;
  private final String baseDir;
  private final String cacheRoot;
  private final Progress progress;
  private final Clock clock;

  /**
   * @param cfg       the dataset section
   * @param cfgTree   the same section as a YAML tree (recorded in the manifest)
   * @param baseDir   directory relative paths in the configuration are resolved against
   * @param cacheRoot where generated synthetic logs go when the source names no directory
   * @param progress  receives the progress of long phases
   * @param clock     the moment of preparation: the manifest's creation time and the default end of
   *                  {@code dataset.timestamp_range}
   */
  public DatasetPreparer(DatasetConfig cfg, JsonNode cfgTree, String baseDir, String cacheRoot, Progress progress, Clock clock) {
    this.cfg = cfg;
    this.cfgTree = cfgTree;
    this.baseDir = baseDir;
    this.cacheRoot = cacheRoot;
    this.progress = progress;
    this.clock = clock;
  }

  /** A preparer on the system clock. */
  public DatasetPreparer(DatasetConfig cfg, JsonNode cfgTree, String baseDir, String cacheRoot, Progress progress) {
    this(cfg, cfgTree, baseDir, cacheRoot, progress, Clock.systemUTC());
  }

  /** The readers a source amounts to: its event log and its side tables (null when it has none). */
  private record Source(EventLogSource log, EventLogReader reader, SideTableReader users, SideTableReader items) {}

  private Source resolve() {
    if (cfg.source() instanceof MovieLensSource ml) {
      EventLogSource log = MovieLens100k.eventSource(ml);
      return new Source(log, reader(log, baseDir), MovieLens100k.users(ml, baseDir), MovieLens100k.items(ml, baseDir));
    }
    if (cfg.source() instanceof SyntheticSource syn) {
      return resolveEventLog(SyntheticGenerator.source(syntheticDir(syn).toString()), null);
    }
    return resolveEventLog((EventLogSource) cfg.source(), baseDir);
  }

  private Source resolveEventLog(EventLogSource log, String base) {
    boolean replace = log.replaceInvalidEncoding();
    SideTableReader users = log.users() == null ? null
        : new SideTableReader(log.users().table(), log.users().key(), base, "dataset.source.users", replace);
    SideTableReader items = log.items() == null ? null
        : new SideTableReader(log.items().table(), log.items().key(), base, "dataset.source.items", replace);
    return new Source(log, reader(log, base), users, items);
  }

  private EventLogReader reader(EventLogSource log, String base) {
    String key = cfg.source() instanceof MovieLensSource ? "dataset.source.path" : "dataset.source.events";
    return new EventLogReader(log.events(), base, cfg.threads(), key, log.replaceInvalidEncoding());
  }

  /**
   * Where a synthetic source's CSV files live; generates them on first use.
   *
   * @throws UncheckedIOException if they cannot be written
   */
  public Path syntheticDir(SyntheticSource syn) {
    Path dir = syn.dir() != null ? Fs.resolve(baseDir, syn.dir())
        : new Path(Fs.path(cacheRoot), "synthetic-" + Checksums.sha256(syn.params().toString() + (syn.shift() == null ? "" : syn.shift().toString())).substring(0, 16));
    if (!Fs.exists(new Path(dir, "events.csv"))) {
      LOG.info("generating synthetic events into {}", dir);
      try {
        new SyntheticGenerator(syn.params(), syn.generatorShift()).write(dir, cfg.threads(), progress);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write synthetic data to " + dir, e);
      }
    }
    return dir;
  }

  /**
   * A cheap key identifying this recipe: the configuration plus the event log's paths, sizes and modification times.
   * Two preparations with the same key would produce the same dataset (see {@code Datasets} in the trainer).
   *
   * @throws BadInputException if the event log does not exist
   */
  public String cacheKey() {
    StringBuilder sb = new StringBuilder(cfgTree.toString());
    for (Path p : resolve().reader().files()) {
      sb.append('|').append(p);
      try {
        var st = Fs.status(p);
        sb.append(':').append(st.getLen()).append(':').append(st.getModificationTime());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot stat " + p, e);
      }
    }
    return Checksums.sha256(sb.toString()).substring(0, 20);
  }

  /**
   * Prepares the dataset into {@code out}. A pipeline of phases, each handing the next a value, and each timed under
   * its name in {@code summary.json}:
   *
   * <ol>
   *   <li>plan: the columns to read and where each feature's values come from ({@link ReadPlan});
   *   <li>read: the log and side tables, every bad row counted ({@link RawInput});
   *   <li>order: entities in canonical order, events by (timestamp, user, item) ({@link OrderedEvents});
   *   <li>split: the temporal split ({@link SplitRanges}), labels and weights ({@link Outcomes});
   *   <li>entities: the users' and items' raw attributes ({@link EntityAttributes});
   *   <li>fit: the feature transform, on train only;
   *   <li>encode: the context features of every event;
   *   <li>profile: per split and feature ({@link DatasetProfile});
   *   <li>write: the files, staged, then renamed into place ({@link DatasetWriter}).
   * </ol>
   *
   * Features computed per event from strictly earlier events of the same user or item (point-in-time history) are a
   * phase between split and fit: it reads the ordered events in time order, knows the split so that whatever it fits
   * sees train only, and adds its columns to the events' numeric columns, where fit, encode and profile find every
   * context feature's source.
   *
   * @param overwrite whether an existing dataset (or anything else) at {@code out} may be replaced
   * @return the prepared dataset, opened from {@code out}
   * @throws ConfigException if {@code out} is taken and {@code overwrite} is false, or the configuration does not fit
   *     the data (a column that is not there, an empty train split); the message names the key
   * @throws BadInputException if an input is missing, empty, binary, or has more malformed rows than
   *     {@code dataset.max_bad_rows} (the message names the file and line)
   * @throws UncheckedIOException if a file cannot be read or written; nothing is left at {@code out} then
   */
  public PreparedDataset prepare(Path out, boolean overwrite) {
    claim(out, overwrite);
    Run run = new Run(clock.instant(), new BadRows(cfg.maxBadRows()));
    Source source = resolve();
    run.cacheKey = cacheKey();
    ReadPlan plan = ReadPlan.of(cfg, source.log(), source.reader(), source.users(), source.items(), run.now);
    run.lap("plan");
    RawInput raw = read(source, plan, run.bad);
    run.lap("read");
    OrderedEvents events = OrderedEvents.of(raw.events(), raw.usersTable(), raw.itemsTable(), progress);
    run.lap("order");
    SplitRanges splits = SplitRanges.of(cfg.split(), events);
    Outcomes outcomes = Outcomes.of(events, cfg.labelRule(), cfg.weight());
    run.lap("split");
    EntityAttributes attributes = EntityAttributes.of(cfg, events, raw.usersTable(), raw.itemsTable());
    run.lap("entities");
    HistoryColumns history = HistoryColumns.of(cfg, events, outcomes, splits, attributes, progress);
    run.lap("history");
    FeatureValues values = new FeatureValues(events, attributes, history);
    List<FittedFeature> fitted = fit(values, splits);
    FeatureTransform transform = new FeatureTransform(fitted, history.features().isEmpty() ? null
        : new FeatureTransform.HistorySection(cfg.availabilityDelaySeconds(), cfg.historyMaxEvents(), history.features()));
    run.lap("fit");
    List<EncodedColumn> context = encodeContext(transform, values);
    run.lap("encode");
    DatasetProfile profile = new SplitProfiler(cfg.features(), fitted, values, outcomes).profile(splits);
    run.lap("profile");
    write(out, run, source, plan, raw, new DatasetWriter.Content(events, splits, outcomes, context, attributes, transform, profile, history));
    LOG.info("prepared {} events ({} rejected) into {} in {} s", events.size(), raw.rowsRejected(), out, String.format("%.1f", run.seconds()));
    return PreparedDataset.open(out.toString());
  }

  /** Makes sure {@code out} is free: absent, empty, or replaceable. */
  private static void claim(Path out, boolean overwrite) {
    try {
      if (Fs.exists(out)) {
        boolean complete = Fs.exists(new Path(out, Manifest.FILE));
        boolean empty = Fs.list(out).isEmpty();
        if (!empty && !overwrite) {
          throw new ConfigException("", out + (complete ? " already holds a prepared dataset" : " exists and is not empty")
              + "; choose another --out or pass --overwrite");
        }
        Fs.delete(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot inspect " + out, e);
    }
  }

  /** The read phase. */
  private RawInput read(Source source, ReadPlan plan, BadRows bad) {
    EventLogReader.Result log = source.reader().read(plan.events(), bad, progress);
    long rejected = bad.total();
    List<InputFile> inputs = new ArrayList<>(log.files());
    RawInput.SideRead users = readSide(source.users(), plan.users(), bad, inputs);
    RawInput.SideRead items = readSide(source.items(), plan.items(), bad, inputs);
    if (log.events().size() == 0) {
      throw new BadInputException("no usable events in " + source.reader().files() + " (" + log.rowsRead() + " rows read)");
    }
    return new RawInput(log.events(), log.rowsRead(), rejected, inputs, users, items);
  }

  private static RawInput.SideRead readSide(SideTableReader reader, ReadPlan.SideColumns columns, BadRows bad, List<InputFile> inputs) {
    if (reader == null) {
      return null;
    }
    SideTableReader.Result res = reader.read(columns.columns(), columns.numeric(), bad);
    inputs.addAll(res.files());
    return new RawInput.SideRead(res.data(), res.rowsRead(), res.rowsRejected());
  }

  /**
   * The fit phase: every feature's encoding, fitted on the train split only. Item lists of history_items take the
   * item_id feature's vocabulary, so they are fitted after it.
   */
  private List<FittedFeature> fit(FeatureValues values, SplitRanges splits) {
    FittedFeature[] fitted = new FittedFeature[cfg.features().size()];
    FittedFeature itemIds = null;
    for (int k = 0; k < fitted.length; k++) {
      FeatureSpec f = cfg.features().get(k);
      if (f.kind() != FeatureKind.HISTORY_ITEMS) {
        fitted[k] = TransformFitter.fit(f, values.of(f, 0, splits.trainEnd()), FeatureValues.weights(f, splits.train()));
        if (f.entity() == Entity.ITEM && f.source().equals("item_id") && itemIds == null) {
          itemIds = fitted[k];
        }
      }
    }
    for (int k = 0; k < fitted.length; k++) {
      if (fitted[k] == null) {
        fitted[k] = TransformFitter.itemSequence(cfg.features().get(k), itemIds);
      }
    }
    return List.of(fitted);
  }

  /**
   * The encode phase: the context features of every event, history features among them (entity features are encoded
   * from the entity tables).
   */
  private List<EncodedColumn> encodeContext(FeatureTransform transform, FeatureValues values) {
    int n = values.events().size();
    Function<String, FeatureSpec> bySource = src -> cfg.features(Entity.CONTEXT).stream()
        .filter(f -> f.isHistory() ? HistoryFeature.column(f.name()).equals(src) : f.source().equals(src))
        .findFirst().orElseThrow();
    return new ArrayList<>(transform.encode(Entity.CONTEXT, n, src -> values.of(bySource.apply(src), 0, n)).columns().values());
  }

  /** The write phase: data files first, then the summary and the manifest, then the rename into place. */
  private void write(Path out, Run run, Source source, ReadPlan plan, RawInput raw, DatasetWriter.Content content) {
    Path tmp = new Path(out.getParent(), "._tmp." + out.getName() + "." + UUID.randomUUID().toString().substring(0, 8));
    try {
      Fs.mkdirs(tmp);
      DatasetWriter.Written written = new DatasetWriter(cfg, progress, content).writeData(tmp);
      run.lap("write");
      PrepareSummary summary = summarize(run, source, plan, raw, content, written.fingerprint());
      Manifest manifest = new Manifest(Manifest.FORMAT, written.fingerprint(), run.cacheKey, run.now.toString(), CodeVersion.get(),
          cfg.labelRule().toString(), new ArrayList<>(content.outcomes().signals().keySet()), cfgTree, written.shards(),
          written.users(), written.items(), written.jsonFiles(), raw.inputs());
      DatasetWriter.publish(tmp, out, summary, manifest);
    } catch (IOException e) {
      try {
        Fs.delete(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException("cannot write prepared dataset to " + out, e);
    }
  }

  /** {@code summary.json}, built once every phase is done. */
  private PrepareSummary summarize(Run run, Source source, ReadPlan plan, RawInput raw, DatasetWriter.Content c, String fingerprint) {
    OrderedEvents events = c.events();
    SplitRanges splits = c.splits();
    Map<String, Long> sizes = new LinkedHashMap<>();
    Map<String, Double> positive = new LinkedHashMap<>();
    Map<String, String[]> times = new LinkedHashMap<>();
    long[] ts = events.timestamp();
    for (SplitName s : SplitName.values()) {
      int from = splits.from(s);
      int to = splits.to(s);
      sizes.put(s.key(), (long) (to - from));
      positive.put(s.key(), c.profile().splits().get(s.key()).labelRate());
      times.put(s.key(), to > from ? new String[] {Instant.ofEpochSecond(ts[from]).toString(), Instant.ofEpochSecond(ts[to - 1]).toString()} : new String[0]);
    }
    Map<String, PrepareSummary.EntitySummary> entities = new LinkedHashMap<>();
    entities.put("users", entitySummary(events.userIds().length, splits, SplitRanges.EntityCounts::users));
    entities.put("items", entitySummary(events.itemIds().length, splits, SplitRanges.EntityCounts::items));
    Map<String, PrepareSummary.SideTableSummary> sideTables = new LinkedHashMap<>();
    if (raw.users() != null) {
      sideTables.put("users", sideTableSummary(raw.users(), events.user(), events.userIds()));
    }
    if (raw.items() != null) {
      sideTables.put("items", sideTableSummary(raw.items(), events.item(), events.itemIds()));
    }
    List<String> sample = new ArrayList<>();
    for (RowError e : run.bad.sample()) {
      sample.add(e.toString());
    }
    return new PrepareSummary(fingerprint, raw.rowsRead(), events.size(), raw.rowsRejected(), run.bad.byReason(), sample, sizes,
        events.size() - splits.testEnd(), sideTables, entities, positive, times, run.seconds(), run.phaseSeconds,
        plan.timestampSummary(source.log().timestampFormat()), historySummary(c.history()));
  }

  private PrepareSummary.HistorySummary historySummary(HistoryColumns history) {
    if (history.features().isEmpty()) {
      return null;
    }
    if (history.truncations() > 0) {
      LOG.warn("{} events fell out of trailing windows because a user or item had more than dataset.history_max_events={} in one; "
          + "those windows count the newest events only", history.truncations(), cfg.historyMaxEvents());
    }
    return new PrepareSummary.HistorySummary(history.features().stream().map(HistoryFeature::name).toList(), cfg.availabilityDelay(),
        cfg.historyMaxEvents(), history.truncations());
  }

  private static PrepareSummary.EntitySummary entitySummary(int total, SplitRanges splits, Function<SplitRanges.EntityCounts, int[]> rows) {
    int[] train = rows.apply(splits.train());
    return new PrepareSummary.EntitySummary(total, SplitRanges.EntityCounts.nonZero(train),
        SplitRanges.EntityCounts.unseen(rows.apply(splits.validation()), train), SplitRanges.EntityCounts.unseen(rows.apply(splits.test()), train));
  }

  private static PrepareSummary.SideTableSummary sideTableSummary(RawInput.SideRead side, int[] eventRows, String[] ids) {
    SideTableData table = side.table();
    boolean[] missing = new boolean[ids.length];
    for (int r = 0; r < ids.length; r++) {
      missing[r] = !table.rows().containsKey(ids[r]);
    }
    long withoutRow = 0;
    for (int r : eventRows) {
      if (missing[r]) {
        withoutRow++;
      }
    }
    return new PrepareSummary.SideTableSummary(table.file(), side.rowsRead(), side.rowsRejected(), table.rows().size(), withoutRow);
  }

  /** One preparation's moment, bad-row accounting and phase timings (what a benchmark reader wants to know first). */
  private static final class Run {
    final long started = System.nanoTime();
    final Instant now;
    final BadRows bad;
    final Map<String, Double> phaseSeconds = new LinkedHashMap<>();
    String cacheKey;
    private long last = started;

    Run(Instant now, BadRows bad) {
      this.now = now;
      this.bad = bad;
    }

    void lap(String phase) {
      long t = System.nanoTime();
      phaseSeconds.put(phase, Math.round((t - last) / 1e6) / 1e3);
      last = t;
    }

    double seconds() {
      return (System.nanoTime() - started) / 1e9;
    }
  }
}
