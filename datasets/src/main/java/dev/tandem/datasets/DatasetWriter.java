package dev.tandem.datasets;

import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.profile.DatasetProfile;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.fs.Path;

/**
 * The write phase: a prepared dataset's files, into a staging directory that {@link #publish} then renames into
 * place, so that a directory with a manifest is always complete.
 */
final class DatasetWriter {
  /** Everything a prepared dataset holds, as the phases before writing left it. */
  record Content(OrderedEvents events, SplitRanges splits, Outcomes outcomes, List<EncodedColumn> context,
      EntityAttributes attributes, FeatureTransform transform, DatasetProfile profile, HistoryColumns history) {}

  /** The data files written, with the checksums the summary and the manifest record. */
  record Written(Map<String, List<ColumnFile.Written>> shards, ColumnFile.Written users, ColumnFile.Written items,
      Map<String, String> jsonFiles, String fingerprint) {}

  private final DatasetConfig cfg;
  private final Progress progress;
  private final Content content;

  DatasetWriter(DatasetConfig cfg, Progress progress, Content content) {
    this.cfg = cfg;
    this.progress = progress;
    this.content = content;
  }

  /** Writes shards, entity tables, {@code transform.json} and {@code profile.json} into {@code dir}. */
  Written writeData(Path dir) throws IOException {
    OrderedEvents events = content.events();
    SplitRanges splits = content.splits();
    Map<String, List<ColumnFile.Written>> shards = new LinkedHashMap<>();
    try (Progress.Task t = progress.start("writing shards", splits.testEnd(), "events")) {
      for (SplitName s : SplitName.values()) {
        shards.put(s.key(), writeSplit(dir, s, t));
      }
    }
    ColumnFile.Written users = writeEntities(new Path(dir, "users.tds"), Entity.USER, events.userIds(), content.attributes().users());
    ColumnFile.Written items = writeEntities(new Path(dir, "items.tds"), Entity.ITEM, events.itemIds(), content.attributes().items());
    String transformJson = content.transform().toJson();
    Fs.writeStaged(new Path(dir, "transform.json"), transformJson.getBytes(StandardCharsets.UTF_8));
    byte[] profileJson = Persisted.write(content.profile(), DatasetProfile.FORMAT);
    Fs.writeStaged(new Path(dir, "profile.json"), profileJson);
    Map<String, String> jsonFiles = new LinkedHashMap<>();
    jsonFiles.put("transform.json", Checksums.sha256(transformJson));
    jsonFiles.put("profile.json", Checksums.sha256(new String(profileJson, StandardCharsets.UTF_8)));

    StringBuilder fp = new StringBuilder();
    shards.forEach((k, v) -> v.forEach(w -> fp.append(k).append('/').append(w.name()).append(':').append(w.crc32c()).append(';')));
    fp.append(users.crc32c()).append(';').append(items.crc32c()).append(';').append(jsonFiles.get("transform.json"));
    return new Written(shards, users, items, jsonFiles, Checksums.sha256(fp.toString()).substring(0, 20));
  }

  /**
   * Writes the summary and, last, the manifest into {@code dir}, then renames {@code dir} to {@code out}.
   *
   * @throws IOException also if {@code out} appeared meanwhile (it is not replaced)
   */
  static void publish(Path dir, Path out, PrepareSummary summary, Manifest manifest) throws IOException {
    Fs.writeStaged(new Path(dir, PrepareSummary.FILE), Persisted.write(summary, PrepareSummary.FORMAT));
    Fs.writeStaged(new Path(dir, Manifest.FILE), Persisted.write(manifest, Manifest.FORMAT));
    if (!Fs.renameNoOverwrite(dir, out)) {
      throw new IOException(out + " appeared while preparing; it was not replaced");
    }
  }

  private List<ColumnFile.Written> writeSplit(Path dir, SplitName split, Progress.Task task) throws IOException {
    int from = content.splits().from(split);
    int n = content.splits().size(split);
    int perShard = split == SplitName.TRAIN ? Math.max(1, Math.min(cfg.rowsPerShard(), (n + cfg.minShards() - 1) / Math.max(1, cfg.minShards())))
        : cfg.rowsPerShard(); // evaluation splits need no more shards than their size asks for
    int shards = n == 0 ? 1 : Math.min(n, (int) Math.ceil((double) n / perShard));
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(cfg.threads(), shards));
    try {
      List<Future<ColumnFile.Written>> futures = new ArrayList<>();
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
          ColumnFile.Written w = shard(split, shard, shards, rows, position)
              .writeStaged(new Path(new Path(dir, split.key()), String.format("part-%05d.tds", shard)));
          synchronized (task) {
            task.advance(count);
          }
          return w;
        }));
      }
      List<ColumnFile.Written> out = new ArrayList<>();
      for (Future<ColumnFile.Written> f : futures) {
        try {
          out.add(f.get());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
          throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** One shard's columns: the given rows of the ordered events. */
  private ColumnFile.Builder shard(SplitName split, int shard, int shards, int[] rows, int[] position) {
    OrderedEvents events = content.events();
    Outcomes outcomes = content.outcomes();
    ColumnFile.Builder b = new ColumnFile.Builder("events", rows.length)
        .meta("split", split.key()).meta("shard", shard).meta("shards", shards)
        .ints("position", position, null)
        .ints("user", OrderedEvents.gather(events.user(), rows), events.userIds().length)
        .ints("item", OrderedEvents.gather(events.item(), rows), events.itemIds().length)
        .longs("timestamp", OrderedEvents.gather(events.timestamp(), rows))
        .floats("label", OrderedEvents.gather(outcomes.label(), rows))
        .floats("weight", OrderedEvents.gather(outcomes.weight(), rows));
    for (EncodedColumn c : content.context()) {
      addColumn(b, "ctx." + c.name(), EventBatch.selectColumn(c, rows));
    }
    for (Map.Entry<String, float[]> sig : outcomes.signals().entrySet()) {
      b.floats("sig." + sig.getKey(), OrderedEvents.gather(sig.getValue(), rows));
    }
    return b;
  }

  private static void addColumn(ColumnFile.Builder b, String name, EncodedColumn c) {
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
