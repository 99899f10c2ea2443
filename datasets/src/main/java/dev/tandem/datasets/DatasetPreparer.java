package dev.tandem.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.CodeVersion;
import dev.tandem.config.ConfigException;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.datasets.features.RawColumn;
import dev.tandem.datasets.features.TransformFitter;
import dev.tandem.datasets.profile.DatasetProfile;
import dev.tandem.datasets.profile.FeatureProfile;
import dev.tandem.datasets.profile.Profiler;
import dev.tandem.datasets.profile.SplitProfile;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.source.EventLogReader;
import dev.tandem.datasets.source.EventLogSource;
import dev.tandem.datasets.source.InputFile;
import dev.tandem.datasets.source.MovieLens100k;
import dev.tandem.datasets.source.MovieLensSource;
import dev.tandem.datasets.source.RawEvents;
import dev.tandem.datasets.source.SideTableData;
import dev.tandem.datasets.source.SideTableReader;
import dev.tandem.datasets.source.SourceConfig;
import dev.tandem.datasets.source.SyntheticSource;
import dev.tandem.datasets.source.Timestamps;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.datasets.split.TemporalSplit;
import dev.tandem.datasets.synth.SyntheticGenerator;
import dev.tandem.datasets.text.BadRows;
import dev.tandem.datasets.text.RowError;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
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

  /** The event log and side tables a source amounts to, with the directory their paths are relative to. */
  private record Resolved(EventLogSource events, SideTableReader users, SideTableReader items, String base) {}

  private Resolved resolve() {
    SourceConfig src = cfg.source();
    if (src instanceof MovieLensSource ml) {
      return new Resolved(MovieLens100k.eventSource(ml), MovieLens100k.users(ml, baseDir), MovieLens100k.items(ml, baseDir), baseDir);
    }
    if (src instanceof SyntheticSource syn) {
      Path dir = syntheticDir(syn);
      return resolveEventLog(SyntheticGenerator.source(dir.toString()), null);
    }
    return resolveEventLog((EventLogSource) src, baseDir);
  }

  private Resolved resolveEventLog(EventLogSource ev, String base) {
    SideTableReader users = ev.users() == null ? null
        : new SideTableReader(ev.users().table(), ev.users().key(), base, "dataset.source.users", ev.replaceInvalidEncoding());
    SideTableReader items = ev.items() == null ? null
        : new SideTableReader(ev.items().table(), ev.items().key(), base, "dataset.source.items", ev.replaceInvalidEncoding());
    return new Resolved(ev, users, items, base);
  }

  /** Where a synthetic source's CSV files live; generates them once. */
  public Path syntheticDir(SyntheticSource syn) {
    Path dir = syn.dir() != null ? Fs.resolve(baseDir, syn.dir())
        : new Path(Fs.path(cacheRoot), "synthetic-" + Checksums.sha256(syn.params().toString()).substring(0, 16));
    if (!Fs.exists(new Path(dir, "events.csv"))) {
      LOG.info("generating synthetic events into {}", dir);
      try {
        new SyntheticGenerator(syn.params()).write(dir, cfg.threads(), progress);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write synthetic data to " + dir, e);
      }
    }
    return dir;
  }

  /** A cheap key identifying this recipe: configuration plus inputs' paths, sizes and modification times. */
  public String cacheKey() {
    Resolved r = resolve();
    StringBuilder sb = new StringBuilder(cfgTree.toString());
    List<Path> files = new ArrayList<>(new EventLogReader(r.events().events(), r.base(), 1, eventsKey(), r.events().replaceInvalidEncoding()).files());
    for (Path p : files) {
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

  /** Prepares the dataset into {@code out}; refuses an existing prepared dataset unless {@code overwrite}. */
  public PreparedDataset prepare(Path out, boolean overwrite) {
    long started = System.nanoTime();
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
    Phases phases = new Phases();
    Resolved r = resolve();
    String key = cacheKey();
    BadRows bad = new BadRows(cfg.maxBadRows());
    LabelRule rule = cfg.labelRule();

    // 1. Work out which columns are needed and where each feature's values come from.
    EventLogReader reader = new EventLogReader(r.events().events(), r.base(), cfg.threads(), eventsKey(), r.events().replaceInvalidEncoding());
    List<String> header = reader.header();
    Map<String, String> logical = r.events().columns();
    String eventsFile = reader.files().get(0).getName();
    int userCol = requireColumn(header, logical.get("user_id"), "dataset.source.columns.user_id", eventsFile);
    int itemCol = requireColumn(header, logical.get("item_id"), "dataset.source.columns.item_id", eventsFile);
    int tsCol = requireColumn(header, logical.get("timestamp"), "dataset.source.columns.timestamp", eventsFile);
    Map<String, Integer> numeric = new LinkedHashMap<>();
    Map<String, Integer> strings = new LinkedHashMap<>();
    for (String opt : List.of("rating", "watch_seconds", "click")) {
      if (logical.containsKey(opt)) {
        numeric.put(opt, requireColumn(header, logical.get(opt), "dataset.source.columns." + opt, eventsFile));
      }
    }
    Set<String> required = new HashSet<>();
    Set<String> nonNegative = new HashSet<>();
    int labelIdx = eventColumn(header, logical, rule.column());
    if (labelIdx < 0) {
      throw new ConfigException("dataset.label", "column '" + rule.column() + "' is not in " + eventsFile + " (columns: " + header
          + (logical.isEmpty() ? "" : ", logical: " + new TreeSet<>(logical.keySet())) + ")");
    }
    numeric.put(rule.column(), labelIdx);
    required.add(rule.column());
    if (cfg.weight() != null) {
      int w = eventColumn(header, logical, cfg.weight());
      if (w < 0) {
        throw new ConfigException("dataset.weight", "column '" + cfg.weight() + "' is not in " + eventsFile + " (columns: " + header + ")");
      }
      numeric.put(cfg.weight(), w);
      required.add(cfg.weight());
      nonNegative.add(cfg.weight());
    }
    List<String> userSide = new ArrayList<>();
    List<String> itemSide = new ArrayList<>();
    Set<String> userSideNumeric = new HashSet<>();
    Set<String> itemSideNumeric = new HashSet<>();
    List<String> userCols = r.users() == null ? List.of() : r.users().columns();
    List<String> itemCols = r.items() == null ? List.of() : r.items().columns();
    for (int i = 0; i < cfg.features().size(); i++) {
      FeatureSpec f = cfg.features().get(i);
      String s = f.source();
      String fkey = "dataset.features[" + i + "].source";
      boolean isNum = f.kind() == FeatureKind.NUMERIC;
      if (s.equals("user_id") || s.equals("item_id")) {
        continue;
      }
      if (f.entity() == Entity.USER && userCols.contains(s)) {
        addOnce(userSide, s);
        if (isNum) {
          userSideNumeric.add(s);
        }
        continue;
      }
      if (f.entity() == Entity.ITEM && itemCols.contains(s)) {
        addOnce(itemSide, s);
        if (isNum) {
          itemSideNumeric.add(s);
        }
        continue;
      }
      int idx = eventColumn(header, logical, s);
      if (idx < 0) {
        String where = f.entity() == Entity.USER && r.users() != null ? "the users table " + userCols + " nor "
            : f.entity() == Entity.ITEM && r.items() != null ? "the items table " + itemCols + " nor " : "";
        throw new ConfigException(fkey, "column '" + s + "' is in neither " + where + "the event log " + header);
      }
      if (isNum) {
        numeric.putIfAbsent(s, idx);
      } else {
        strings.putIfAbsent(s, idx);
      }
    }

    // 2. Read.
    phases.lap("plan");
    Timestamps.Decision tsFormat = reader.timestamps(tsCol, r.events().timestampFormat());
    Instant now = clock.instant();
    long earliest = cfg.timestampRange().fromSeconds();
    long latest = cfg.timestampRange().toSeconds(now);
    EventLogReader.Result read = reader.read(new EventLogReader.Plan(userCol, itemCol, tsCol, tsFormat, earliest, latest,
        numeric, strings, required, nonNegative), bad, progress);
    long eventRejected = bad.total();
    RawEvents ev = read.events();
    List<InputFile> inputs = new ArrayList<>(read.files());
    Map<String, PrepareSummary.SideTableSummary> sideSummaries = new LinkedHashMap<>();
    SideTableData usersTable = null;
    SideTableData itemsTable = null;
    if (r.users() != null) {
      long before = bad.total();
      SideTableReader.Result res = r.users().read(userSide, userSideNumeric, bad);
      usersTable = res.data();
      inputs.addAll(res.files());
      sideSummaries.put("users", new PrepareSummary.SideTableSummary(res.data().file(), res.rowsRead(), bad.total() - before, res.data().rows().size(), 0));
    }
    if (r.items() != null) {
      long before = bad.total();
      SideTableReader.Result res = r.items().read(itemSide, itemSideNumeric, bad);
      itemsTable = res.data();
      inputs.addAll(res.files());
      sideSummaries.put("items", new PrepareSummary.SideTableSummary(res.data().file(), res.rowsRead(), bad.total() - before, res.data().rows().size(), 0));
    }
    int n = ev.size();
    if (n == 0) {
      throw new dev.tandem.datasets.text.BadInputException("no usable events in " + reader.files() + " (" + read.rowsRead() + " rows read)");
    }

    // 3. Entities in canonical order; events ordered by (timestamp, user, item).
    phases.lap("read");
    String[] userIds = universe(ev.userIds(), ev.user(), usersTable);
    String[] itemIds = universe(ev.itemIds(), ev.item(), itemsTable);
    int[] userRowByCode = rowsByCode(ev.userIds(), userIds);
    int[] itemRowByCode = rowsByCode(ev.itemIds(), itemIds);
    int[] userRow = new int[n];
    int[] itemRow = new int[n];
    for (int i = 0; i < n; i++) {
      userRow[i] = userRowByCode[ev.user()[i]];
      itemRow[i] = itemRowByCode[ev.item()[i]];
    }
    int[] perm;
    try (Progress.Task t = progress.start("ordering by time", n, "events")) {
      perm = RadixSort.eventOrder(ev.timestamp(), userRow, itemRow, userIds.length, itemIds.length);
      t.advance(n);
    }
    int[] user = gather(userRow, perm);
    int[] item = gather(itemRow, perm);
    long[] ts = gather(ev.timestamp(), perm);
    Map<String, float[]> num = new LinkedHashMap<>();
    ev.numeric().forEach((k, v) -> num.put(k, gather(v, perm)));
    Map<String, int[]> str = new LinkedHashMap<>();
    ev.strings().forEach((k, v) -> str.put(k, gather(v, perm)));

    // 4. Split, labels, weights.
    phases.lap("order");
    int[] b = TemporalSplit.of(cfg.split()).boundaries(ts);
    int trainEnd = b[0];
    int validationEnd = b[1];
    int testEnd = b[2];
    if (trainEnd == 0) {
      throw new ConfigException("dataset.split", "the train split is empty: check the fractions or train_end against the data's time range "
          + Instant.ofEpochSecond(ts[0]) + " .. " + Instant.ofEpochSecond(ts[n - 1]));
    }
    float[] label = new float[n];
    float[] labelSource = num.get(rule.column());
    for (int i = 0; i < n; i++) {
      label[i] = rule.apply(labelSource[i]);
    }
    List<String> signalNames = new ArrayList<>();
    for (String sig : num.keySet()) {
      if (sig.equals(rule.column()) || List.of("rating", "watch_seconds", "click").contains(sig)) {
        signalNames.add(sig);
      }
    }
    Map<String, float[]> signals = new LinkedHashMap<>();
    for (String sig : signalNames) {
      signals.put(sig, num.get(sig));
    }
    float[] weight = new float[n];
    if (cfg.weight() != null) {
      System.arraycopy(num.get(cfg.weight()), 0, weight, 0, n);
    } else {
      Arrays.fill(weight, 1f);
    }

    // 5. Raw entity attributes: from the side table, else from the entity's earliest event.
    phases.lap("split");
    Map<String, String[]> userRaw = entityRaw(Entity.USER, userIds, usersTable, user, num, str, ev.dictionaries());
    Map<String, String[]> itemRaw = entityRaw(Entity.ITEM, itemIds, itemsTable, item, num, str, ev.dictionaries());

    // 6. Fit the transform on train only.
    phases.lap("entities");
    int[] userTrain = countRows(user, 0, trainEnd, userIds.length);
    int[] itemTrain = countRows(item, 0, trainEnd, itemIds.length);
    List<FittedFeature> fitted = new ArrayList<>();
    for (FeatureSpec f : cfg.features()) {
      RawColumn values;
      int[] w;
      if (f.entity() == Entity.USER) {
        values = f.source().equals("user_id") ? RawColumn.of(userIds) : RawColumn.of(userRaw.get(f.source()));
        w = userTrain;
      } else if (f.entity() == Entity.ITEM) {
        values = f.source().equals("item_id") ? RawColumn.of(itemIds) : RawColumn.of(itemRaw.get(f.source()));
        w = itemTrain;
      } else {
        values = eventColumn(f, 0, trainEnd, user, item, userIds, itemIds, num, str, ev.dictionaries());
        w = null;
      }
      fitted.add(TransformFitter.fit(f, values, w));
    }
    FeatureTransform transform = new FeatureTransform(fitted);

    // 7. Encode context features of every event.
    phases.lap("fit");
    List<EncodedColumn> ctx = new ArrayList<>();
    EncodedTable contextAll = transform.encode(Entity.CONTEXT, n, src -> {
      FeatureSpec spec = cfg.features().stream().filter(f -> f.entity() == Entity.CONTEXT && f.source().equals(src)).findFirst().orElseThrow();
      return eventColumn(spec, 0, n, user, item, userIds, itemIds, num, str, ev.dictionaries());
    });
    ctx.addAll(contextAll.columns().values());

    // 8. Profile each split.
    phases.lap("encode");
    Map<String, SplitProfile> splitProfiles = new LinkedHashMap<>();
    Map<String, List<Double>> trainEdges = new HashMap<>();
    int[][] ranges = {{0, trainEnd}, {trainEnd, validationEnd}, {validationEnd, testEnd}};
    for (SplitName s : SplitName.values()) {
      int from = ranges[s.ordinal()][0];
      int to = ranges[s.ordinal()][1];
      splitProfiles.put(s.key(), profileSplit(from, to, user, item, ts, label, weight, userIds, itemIds, userRaw, itemRaw, num, str,
          ev.dictionaries(), fitted, trainEdges, s == SplitName.TRAIN));
    }
    DatasetProfile profile = new DatasetProfile(DatasetProfile.FORMAT, splitProfiles);

    // 9. Write everything into a temporary directory, then move it into place.
    phases.lap("profile");
    Path tmp = new Path(out.getParent(), "._tmp." + out.getName() + "." + UUID.randomUUID().toString().substring(0, 8));
    try {
      Fs.mkdirs(tmp);
      Map<String, List<ColumnFile.Written>> shards = new LinkedHashMap<>();
      long totalRows = (long) testEnd;
      try (Progress.Task t = progress.start("writing shards", totalRows, "events")) {
        for (SplitName s : SplitName.values()) {
          int from = ranges[s.ordinal()][0];
          int to = ranges[s.ordinal()][1];
          shards.put(s.key(), writeSplit(tmp, s, from, to, user, item, ts, label, weight, signals, ctx, userIds.length, itemIds.length, t));
        }
      }
      ColumnFile.Written usersFile = writeEntities(new Path(tmp, "users.tds"), Entity.USER, userIds, userRaw);
      ColumnFile.Written itemsFile = writeEntities(new Path(tmp, "items.tds"), Entity.ITEM, itemIds, itemRaw);
      String transformJson = transform.toJson();
      Fs.writeStaged(new Path(tmp, "transform.json"), transformJson.getBytes(StandardCharsets.UTF_8));
      String profileJson = new String(Persisted.write(profile, DatasetProfile.FORMAT), StandardCharsets.UTF_8);
      Fs.writeStaged(new Path(tmp, "profile.json"), profileJson.getBytes(StandardCharsets.UTF_8));

      StringBuilder fp = new StringBuilder();
      shards.forEach((k, v) -> v.forEach(w -> fp.append(k).append('/').append(w.name()).append(':').append(w.crc32c()).append(';')));
      fp.append(usersFile.crc32c()).append(';').append(itemsFile.crc32c()).append(';').append(Checksums.sha256(transformJson));
      String fingerprint = Checksums.sha256(fp.toString()).substring(0, 20);

      int[] userVal = countRows(user, trainEnd, validationEnd, userIds.length);
      int[] userTest = countRows(user, validationEnd, testEnd, userIds.length);
      int[] itemVal = countRows(item, trainEnd, validationEnd, itemIds.length);
      int[] itemTest = countRows(item, validationEnd, testEnd, itemIds.length);
      Map<String, PrepareSummary.EntitySummary> entities = new LinkedHashMap<>();
      entities.put("users", new PrepareSummary.EntitySummary(userIds.length, nonZero(userTrain), unseen(userVal, userTrain), unseen(userTest, userTrain)));
      entities.put("items", new PrepareSummary.EntitySummary(itemIds.length, nonZero(itemTrain), unseen(itemVal, itemTrain), unseen(itemTest, itemTrain)));
      if (usersTable != null) {
        PrepareSummary.SideTableSummary v = sideSummaries.get("users");
        sideSummaries.put("users", new PrepareSummary.SideTableSummary(v.file(), v.rowsRead(), v.rowsRejected(), v.keys(), eventsWithoutRow(user, userIds, usersTable)));
      }
      if (itemsTable != null) {
        PrepareSummary.SideTableSummary v = sideSummaries.get("items");
        sideSummaries.put("items", new PrepareSummary.SideTableSummary(v.file(), v.rowsRead(), v.rowsRejected(), v.keys(), eventsWithoutRow(item, itemIds, itemsTable)));
      }
      Map<String, Long> splitCounts = new LinkedHashMap<>();
      Map<String, Double> positive = new LinkedHashMap<>();
      Map<String, String[]> times = new LinkedHashMap<>();
      for (SplitName s : SplitName.values()) {
        int from = ranges[s.ordinal()][0];
        int to = ranges[s.ordinal()][1];
        splitCounts.put(s.key(), (long) (to - from));
        positive.put(s.key(), splitProfiles.get(s.key()).labelRate());
        times.put(s.key(), to > from ? new String[] {Instant.ofEpochSecond(ts[from]).toString(), Instant.ofEpochSecond(ts[to - 1]).toString()} : new String[0]);
      }
      phases.lap("write");
      List<String> sample = new ArrayList<>();
      for (RowError e : bad.sample()) {
        sample.add(e.toString());
      }
      long eventRowsRejected = eventRejected;
      PrepareSummary summary = new PrepareSummary(fingerprint, read.rowsRead(), n, eventRowsRejected, bad.byReason(), sample,
          splitCounts, n - testEnd, sideSummaries, entities, positive, times, (System.nanoTime() - started) / 1e9, phases.seconds,
          new PrepareSummary.TimestampSummary(header.get(tsCol), r.events().timestampFormat(), tsFormat.format(), tsFormat.reason(),
              Timestamps.describe(earliest), Timestamps.describe(latest)));
      Fs.writeStaged(new Path(tmp, PrepareSummary.FILE), Persisted.write(summary, PrepareSummary.FORMAT));

      Map<String, String> files = new LinkedHashMap<>();
      files.put("transform.json", Checksums.sha256(transformJson));
      files.put("profile.json", Checksums.sha256(profileJson));
      Manifest manifest = new Manifest(Manifest.FORMAT, fingerprint, key, now.toString(), CodeVersion.get(), rule.toString(),
          signalNames, cfgTree, shards, usersFile, itemsFile, files, inputs);
      Fs.writeStaged(new Path(tmp, Manifest.FILE), Persisted.write(manifest, Manifest.FORMAT));
      if (!Fs.renameNoOverwrite(tmp, out)) {
        throw new IOException(out + " appeared while preparing; it was not replaced");
      }
    } catch (IOException e) {
      try {
        Fs.delete(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException("cannot write prepared dataset to " + out, e);
    }
    LOG.info("prepared {} events ({} rejected) into {} in {} s", n, eventRejected, out, String.format("%.1f", (System.nanoTime() - started) / 1e9));
    return PreparedDataset.open(out.toString());
  }

  /** Wall time per phase, reported in the summary (what a benchmark reader wants to know first). */
  private static final class Phases {
    final Map<String, Double> seconds = new LinkedHashMap<>();
    long last = System.nanoTime();

    void lap(String name) {
      long now = System.nanoTime();
      seconds.put(name, Math.round((now - last) / 1e6) / 1e3);
      last = now;
    }
  }

  private String eventsKey() {
    return cfg.source() instanceof MovieLensSource ? "dataset.source.path" : "dataset.source.events";
  }

  private static void addOnce(List<String> l, String s) {
    if (!l.contains(s)) {
      l.add(s);
    }
  }

  private static int requireColumn(List<String> header, String name, String key, String file) {
    int i = header.indexOf(name);
    if (i < 0) {
      throw new ConfigException(key, "column '" + name + "' is not in " + file + " (columns: " + header + ")");
    }
    return i;
  }

  private static int eventColumn(List<String> header, Map<String, String> logical, String name) {
    if (logical.containsKey(name)) {
      return header.indexOf(logical.get(name));
    }
    return header.indexOf(name);
  }

  /**
   * Every id of an event or of the side table, in canonical order. The dictionary may hold ids no event refers to
   * (from rows rejected after their user id was coded): those are left out.
   */
  private static String[] universe(String[] byCode, int[] codes, SideTableData table) {
    boolean[] used = new boolean[byCode.length];
    for (int c : codes) {
      used[c] = true;
    }
    Set<String> all = new HashSet<>();
    for (int c = 0; c < byCode.length; c++) {
      if (used[c]) {
        all.add(byCode[c]);
      }
    }
    if (table != null) {
      all.addAll(table.rows().keySet());
    }
    String[] out = all.toArray(new String[0]);
    Arrays.sort(out, IdOrder.INSTANCE);
    return out;
  }

  private static int[] rowsByCode(String[] byCode, String[] sorted) {
    Map<String, Integer> row = new HashMap<>(sorted.length * 2);
    for (int i = 0; i < sorted.length; i++) {
      row.put(sorted[i], i);
    }
    int[] out = new int[byCode.length];
    for (int c = 0; c < byCode.length; c++) {
      Integer r = row.get(byCode[c]);
      out[c] = r == null ? -1 : r; // an id no event refers to
    }
    return out;
  }

  private static int[] gather(int[] v, int[] perm) {
    int[] out = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      out[i] = v[perm[i]];
    }
    return out;
  }

  private static long[] gather(long[] v, int[] perm) {
    long[] out = new long[perm.length];
    for (int i = 0; i < perm.length; i++) {
      out[i] = v[perm[i]];
    }
    return out;
  }

  private static float[] gather(float[] v, int[] perm) {
    float[] out = new float[perm.length];
    for (int i = 0; i < perm.length; i++) {
      out[i] = v[perm[i]];
    }
    return out;
  }

  private Map<String, String[]> entityRaw(Entity entity, String[] ids, SideTableData table, int[] eventRow,
      Map<String, float[]> num, Map<String, int[]> str, Map<String, String[]> dicts) {
    Map<String, String[]> out = new LinkedHashMap<>();
    String idColumn = entity == Entity.USER ? "user_id" : "item_id";
    for (FeatureSpec f : cfg.features(entity)) {
      String s = f.source();
      if (s.equals(idColumn) || out.containsKey(s)) {
        continue;
      }
      String[] values = new String[ids.length];
      int col = table == null ? -1 : table.column(s);
      if (col >= 0) {
        for (int r = 0; r < ids.length; r++) {
          values[r] = table.value(ids[r], col);
        }
      } else {
        boolean[] set = new boolean[ids.length];
        float[] nv = f.kind() == FeatureKind.NUMERIC ? num.get(s) : null;
        int[] sv = nv == null ? str.get(s) : null;
        String[] dict = sv == null ? null : dicts.get(s);
        RawColumn rc = nv != null ? RawColumn.numbers(nv) : RawColumn.dict(sv, dict);
        for (int i = 0; i < eventRow.length; i++) {
          int r = eventRow[i];
          if (!set[r]) {
            set[r] = true;
            values[r] = rc.text(i);
          }
        }
      }
      out.put(s, values);
    }
    return out;
  }

  private static RawColumn eventColumn(FeatureSpec f, int from, int to, int[] user, int[] item, String[] userIds, String[] itemIds,
      Map<String, float[]> num, Map<String, int[]> str, Map<String, String[]> dicts) {
    String s = f.source();
    if (s.equals("user_id")) {
      return RawColumn.dict(Arrays.copyOfRange(user, from, to), userIds);
    }
    if (s.equals("item_id")) {
      return RawColumn.dict(Arrays.copyOfRange(item, from, to), itemIds);
    }
    if (f.kind() == FeatureKind.NUMERIC) {
      return RawColumn.numbers(Arrays.copyOfRange(num.get(s), from, to));
    }
    return RawColumn.dict(Arrays.copyOfRange(str.get(s), from, to), dicts.get(s));
  }

  private static int[] countRows(int[] rows, int from, int to, int size) {
    int[] c = new int[size];
    for (int i = from; i < to; i++) {
      c[rows[i]]++;
    }
    return c;
  }

  private static long nonZero(int[] c) {
    long n = 0;
    for (int v : c) {
      if (v > 0) {
        n++;
      }
    }
    return n;
  }

  /** Events (of a split, given as per-row counts) whose entity has no train event. */
  private static long unseen(int[] split, int[] train) {
    long n = 0;
    for (int r = 0; r < split.length; r++) {
      if (train[r] == 0) {
        n += split[r];
      }
    }
    return n;
  }

  private static long eventsWithoutRow(int[] rows, String[] ids, SideTableData table) {
    boolean[] missing = new boolean[ids.length];
    for (int r = 0; r < ids.length; r++) {
      missing[r] = !table.rows().containsKey(ids[r]);
    }
    long n = 0;
    for (int r : rows) {
      if (missing[r]) {
        n++;
      }
    }
    return n;
  }

  private SplitProfile profileSplit(int from, int to, int[] user, int[] item, long[] ts, float[] label, float[] weight,
      String[] userIds, String[] itemIds, Map<String, String[]> userRaw, Map<String, String[]> itemRaw, Map<String, float[]> num,
      Map<String, int[]> str, Map<String, String[]> dicts, List<FittedFeature> fitted, Map<String, List<Double>> trainEdges,
      boolean isTrain) {
    int[] uc = countRows(user, from, to, userIds.length);
    int[] ic = countRows(item, from, to, itemIds.length);
    double pos = 0;
    double wsum = 0;
    for (int i = from; i < to; i++) {
      pos += label[i];
      wsum += weight[i];
    }
    FeatureProfile[] computed = new FeatureProfile[cfg.features().size()];
    java.util.stream.IntStream.range(0, computed.length).parallel().forEach(k -> {
      FeatureSpec f = cfg.features().get(k);
      RawColumn values;
      int[] w;
      if (f.entity() == Entity.USER) {
        values = f.source().equals("user_id") ? RawColumn.of(userIds) : RawColumn.of(userRaw.get(f.source()));
        w = uc;
      } else if (f.entity() == Entity.ITEM) {
        values = f.source().equals("item_id") ? RawColumn.of(itemIds) : RawColumn.of(itemRaw.get(f.source()));
        w = ic;
      } else {
        values = eventColumn(f, from, to, user, item, userIds, itemIds, num, str, dicts);
        w = null;
      }
      computed[k] = Profiler.profile(f.kind(), fitted.get(k), values, w, isTrain ? null : trainEdges.get(f.name()));
    });
    Map<String, FeatureProfile> features = new LinkedHashMap<>();
    for (int k = 0; k < computed.length; k++) {
      String name = cfg.features().get(k).name();
      if (isTrain && computed[k] instanceof FeatureProfile.Numeric np) {
        trainEdges.put(name, np.edges());
      }
      features.put(name, computed[k]);
    }
    int n = to - from;
    return new SplitProfile(n, nonZero(uc), nonZero(ic), n == 0 ? 0 : pos / n, n == 0 ? 0 : wsum / n,
        n == 0 ? null : ts[from], n == 0 ? null : ts[to - 1], features);
  }

  private List<ColumnFile.Written> writeSplit(Path dir, SplitName split, int from, int to, int[] user, int[] item, long[] ts,
      float[] label, float[] weight, Map<String, float[]> signals, List<EncodedColumn> ctx, int users, int items,
      Progress.Task task) throws IOException {
    int n = to - from;
    int perShard = split == SplitName.TRAIN ? Math.max(1, Math.min(cfg.rowsPerShard(), (n + cfg.minShards() - 1) / Math.max(1, cfg.minShards())))
        : cfg.rowsPerShard(); // evaluation splits need no more shards than their size asks for
    int shards = n == 0 ? 1 : Math.min(n, (int) Math.ceil((double) n / perShard));
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.min(cfg.threads(), shards));
    try {
      List<java.util.concurrent.Future<ColumnFile.Written>> futures = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        final int shard = s;
        final int count = n == 0 ? 0 : (n - s + shards - 1) / shards;
        futures.add(pool.submit(() -> {
          // Shard s holds every shards-th event, so each shard spans the split's whole time range in time order.
          int[] rows = new int[count];
          int[] position = new int[count];
          for (int k = 0; k < count; k++) {
            position[k] = shard + k * shards;
            rows[k] = from + position[k];
          }
          ColumnFile.Builder b = new ColumnFile.Builder("events", count)
              .meta("split", split.key()).meta("shard", shard).meta("shards", shards)
              .ints("position", position, null)
              .ints("user", gather(user, rows), users)
              .ints("item", gather(item, rows), items)
              .longs("timestamp", gather(ts, rows))
              .floats("label", gather(label, rows))
              .floats("weight", gather(weight, rows));
          for (EncodedColumn c : ctx) {
            addColumn(b, "ctx." + c.name(), EventBatch.selectColumn(c, rows));
          }
          for (Map.Entry<String, float[]> sig : signals.entrySet()) {
            b.floats("sig." + sig.getKey(), gather(sig.getValue(), rows));
          }
          ColumnFile.Written w = b.writeStaged(new Path(new Path(dir, split.key()), String.format("part-%05d.tds", shard)));
          synchronized (task) {
            task.advance(count);
          }
          return w;
        }));
      }
      List<ColumnFile.Written> out = new ArrayList<>();
      for (java.util.concurrent.Future<ColumnFile.Written> f : futures) {
        try {
          out.add(f.get());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
          throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  static void addColumn(ColumnFile.Builder b, String name, EncodedColumn c) {
    if (c instanceof EncodedColumn.Index x) {
      b.ints(name, x.values(), x.cardinality());
    } else if (c instanceof EncodedColumn.Real x) {
      b.floats(name, x.values());
    } else {
      EncodedColumn.MultiIndex m = (EncodedColumn.MultiIndex) c;
      b.intLists(name, m.offsets(), m.values(), m.cardinality());
    }
  }

  private static ColumnFile.Written writeEntities(Path p, Entity e, String[] ids, Map<String, String[]> raw) throws IOException {
    ColumnFile.Builder b = new ColumnFile.Builder(e.key() + "s", ids.length).strings("id", ids);
    for (Map.Entry<String, String[]> c : raw.entrySet()) {
      b.strings("raw." + c.getKey(), c.getValue());
    }
    return b.writeStaged(p);
  }

}
