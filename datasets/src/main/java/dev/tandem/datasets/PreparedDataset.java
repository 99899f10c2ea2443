package dev.tandem.datasets;

import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;
import dev.tandem.datasets.profile.DatasetProfile;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * A prepared dataset on any Hadoop file system: the reader side of {@link DatasetPreparer}. Training reads events
 * from here, never from raw text. Every shard is verified against its own checksums and the manifest's.
 *
 * <p>Opening reads the manifest and the feature transform; entity tables are read on first use and kept; shards are
 * read on every call (nothing here holds a file open). Safe to share between threads. A file that is damaged, swapped
 * for another or written by a newer Tandem in a format this one does not know is refused with
 * {@link CorruptDataException} (or {@link dev.tandem.format.UnsupportedFormatException}) naming the file.
 */
public final class PreparedDataset {
  private final Path dir;
  private final Manifest manifest;
  private final FeatureTransform transform;
  private volatile EntityTable users;
  private volatile EntityTable items;

  private PreparedDataset(Path dir, Manifest manifest, FeatureTransform transform) {
    this.dir = dir;
    this.manifest = manifest;
    this.transform = transform;
  }

  /**
   * Opens the prepared dataset at {@code location} (a path or any Hadoop URI).
   *
   * @throws IllegalArgumentException if there is no directory there, or no manifest in it (preparation did not finish)
   * @throws CorruptDataException if the manifest or {@code transform.json} is unreadable or does not match its checksum
   */
  public static PreparedDataset open(String location) {
    Path dir = Fs.path(location);
    Path mf = new Path(dir, Manifest.FILE);
    Manifest m;
    try {
      m = Persisted.read(Fs.readAll(mf), Manifest.class, Manifest.FORMAT, mf.toString());
    } catch (FileNotFoundException e) {
      if (!Fs.exists(dir)) {
        throw new IllegalArgumentException("no prepared dataset at " + dir + ": the directory does not exist");
      }
      throw new IllegalArgumentException("no prepared dataset at " + dir + ": " + Manifest.FILE + " is missing (preparation did not finish?)");
    } catch (IOException e) {
      throw new CorruptDataException(mf.toString(), "unreadable manifest: " + e.getMessage(), e);
    }
    String tj;
    Path tp = new Path(dir, "transform.json");
    try {
      tj = Fs.readString(tp);
    } catch (IOException e) {
      throw new CorruptDataException(tp.toString(), "cannot read: " + e.getMessage(), e);
    }
    String expected = m.files().get("transform.json");
    if (expected != null && !expected.equals(Checksums.sha256(tj))) {
      throw new CorruptDataException(tp.toString(), "checksum does not match the manifest");
    }
    return new PreparedDataset(dir, m, FeatureTransform.fromJson(tj, tp.toString()));
  }

  /** The dataset's directory. */
  public Path dir() {
    return dir;
  }

  /** The manifest ({@code dataset.json}): files and checksums, inputs, configuration. */
  public Manifest manifest() {
    return manifest;
  }

  /** Identifies the prepared content (every file's checksum); models trained on it record it in their provenance. */
  public String fingerprint() {
    return manifest.fingerprint();
  }

  /** The feature transform fitted on the train split; the same object encodes serving requests. */
  public FeatureTransform transform() {
    return transform;
  }

  /**
   * {@code summary.json}, read anew on each call: what preparation read, kept and rejected, and how.
   *
   * @throws CorruptDataException if it is missing or unreadable
   */
  public PrepareSummary summary() {
    return readJson(PrepareSummary.FILE, PrepareSummary.class, PrepareSummary.FORMAT);
  }

  /**
   * {@code profile.json}, read anew on each call: per split and feature statistics, the drift reference.
   *
   * @throws CorruptDataException if it is missing or unreadable
   */
  public DatasetProfile profile() {
    return readJson("profile.json", DatasetProfile.class, DatasetProfile.FORMAT);
  }

  private <T> T readJson(String name, Class<T> type, int newestFormat) {
    Path p = new Path(dir, name);
    try {
      return Persisted.read(Fs.readAll(p), type, newestFormat, p.toString());
    } catch (IOException e) {
      throw new CorruptDataException(p.toString(), "unreadable: " + e.getMessage(), e);
    }
  }

  /**
   * Every known user (of any split or of the users table), with raw attributes and encoded features; read on first
   * use and kept.
   *
   * @throws CorruptDataException if {@code users.tds} does not match the manifest
   */
  public EntityTable users() {
    if (users == null) {
      synchronized (this) {
        if (users == null) {
          users = readEntities(Entity.USER, manifest.users());
        }
      }
    }
    return users;
  }

  /**
   * Every known item, like {@link #users}.
   *
   * @throws CorruptDataException if {@code items.tds} does not match the manifest
   */
  public EntityTable items() {
    if (items == null) {
      synchronized (this) {
        if (items == null) {
          items = readEntities(Entity.ITEM, manifest.items());
        }
      }
    }
    return items;
  }

  private EntityTable readEntities(Entity e, ColumnFile.Written w) {
    ColumnFile f = readVerified(new Path(dir, w.name()), w);
    String[] ids = f.strings("id");
    Map<String, String[]> raw = new LinkedHashMap<>();
    for (ColumnFile.ColumnMeta c : f.header().columns()) {
      if (c.name().startsWith("raw.")) {
        raw.put(c.name().substring(4), f.strings(c.name()));
      }
    }
    return new EntityTable(e, ids, raw, transform);
  }

  private ColumnFile readVerified(Path p, ColumnFile.Written expected) {
    ColumnFile f = ColumnFile.read(p);
    if (!f.header().payloadCrc32c().equals(expected.crc32c()) || f.rows() != expected.rows()) {
      throw new CorruptDataException(p.toString(), "does not match the manifest (rows " + f.rows() + " vs " + expected.rows()
          + ", checksum " + f.header().payloadCrc32c() + " vs " + expected.crc32c() + ")");
    }
    return f;
  }

  /** The shards of a split, in order (as the manifest lists them; nothing is read). */
  public List<ColumnFile.Written> shards(SplitName split) {
    return manifest.splits().getOrDefault(split.key(), List.of());
  }

  /** Number of events in a split, from the manifest. */
  public long size(SplitName split) {
    return shards(split).stream().mapToLong(ColumnFile.Written::rows).sum();
  }

  /**
   * The shards worker {@code worker} of {@code workers} should read: round-robin, so workers get equal shares when
   * the shard count is a multiple of the worker count (every shard spans the split's whole time range).
   */
  public List<ColumnFile.Written> shardsFor(SplitName split, int worker, int workers) {
    if (worker < 0 || worker >= workers) {
      throw new IllegalArgumentException("worker " + worker + " of " + workers);
    }
    List<ColumnFile.Written> all = shards(split);
    List<ColumnFile.Written> out = new ArrayList<>();
    for (int i = worker; i < all.size(); i += workers) {
      out.add(all.get(i));
    }
    return out;
  }

  /**
   * Reads one shard of a split: its events in time order (every {@code shards}-th event of the split).
   *
   * @throws CorruptDataException if the shard is missing, damaged, or not the one the manifest lists
   */
  public EventBatch read(SplitName split, ColumnFile.Written shard) {
    ColumnFile f = readVerified(new Path(new Path(dir, split.key()), shard.name()), shard);
    List<EncodedColumn> ctx = new ArrayList<>();
    for (FittedFeature feat : transform.features(Entity.CONTEXT)) {
      String name = "ctx." + feat.name();
      ColumnFile.ColumnMeta meta = f.column(name);
      switch (meta.type()) {
        case I32 -> ctx.add(new EncodedColumn.Index(feat.name(), meta.cardinality(), f.ints(name)));
        case F32 -> ctx.add(new EncodedColumn.Real(feat.name(), f.floats(name)));
        case I32_LIST -> {
          ColumnFile.IntLists l = f.intLists(name);
          ctx.add(new EncodedColumn.MultiIndex(feat.name(), meta.cardinality(), l.offsets(), l.values()));
        }
        default -> throw new CorruptDataException(f.toString(), "unexpected column type " + meta.type() + " for " + name);
      }
    }
    Map<String, float[]> signals = new LinkedHashMap<>();
    for (String sig : manifest.signals()) {
      signals.put(sig, f.floats("sig." + sig));
    }
    return new EventBatch(f.ints("user"), f.ints("item"), f.longs("timestamp"), f.floats("label"), f.floats("weight"),
        EncodedTable.of(f.rows(), ctx), signals);
  }

  /**
   * Positions of a shard's events within their split (for restoring time order).
   *
   * @throws CorruptDataException like {@link #read(SplitName, ColumnFile.Written)}
   */
  public int[] positions(SplitName split, ColumnFile.Written shard) {
    return readVerified(new Path(new Path(dir, split.key()), shard.name()), shard).ints("position");
  }

  /**
   * A whole split in time order: every shard read and interleaved back.
   *
   * @throws CorruptDataException if any shard is missing, damaged, or not the one the manifest lists
   */
  public EventBatch read(SplitName split) {
    List<ColumnFile.Written> shards = shards(split);
    List<EventBatch> parts = new ArrayList<>();
    List<int[]> positions = new ArrayList<>();
    for (ColumnFile.Written w : shards) {
      ColumnFile f = readVerified(new Path(new Path(dir, split.key()), w.name()), w);
      positions.add(f.ints("position"));
      parts.add(read(split, w));
    }
    EventBatch all = EventBatch.concat(parts);
    int[] order = new int[all.size()];
    int at = 0;
    for (int[] pos : positions) {
      for (int p : pos) {
        order[p] = at++;
      }
    }
    return all.select(order);
  }

  /** Event counts of each split, from the manifest. */
  public Map<String, Long> sizes() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (SplitName s : SplitName.values()) {
      out.put(s.key(), size(s));
    }
    return out;
  }

  /** For tests and tools: all files of the dataset relative to its directory. */
  public List<String> files() {
    List<String> out = new ArrayList<>();
    out.add(Manifest.FILE);
    out.add(PrepareSummary.FILE);
    out.add("profile.json");
    out.add("transform.json");
    out.add(manifest.users().name());
    out.add(manifest.items().name());
    for (SplitName s : SplitName.values()) {
      for (ColumnFile.Written w : shards(s)) {
        out.add(s.key() + "/" + w.name());
      }
    }
    return out;
  }

}
