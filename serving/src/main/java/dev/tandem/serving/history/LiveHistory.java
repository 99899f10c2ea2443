package dev.tandem.serving.history;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.datasets.EntityTable;
import dev.tandem.datasets.HistoryFeatures;
import dev.tandem.datasets.LabelRule;
import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.history.HistoryFeature;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The history a recommender serves from: the bundle's events as of export, then every event posted since, kept in the
 * datasets module's {@link HistoryFeatures} so that a request's history features are computed by the same code, with
 * the same priors and encodings, as the training data was.
 *
 * <p><b>The as-of rule.</b> A request at time {@code now} (the injected {@link Clock}, in epoch seconds) sees the
 * events with timestamp {@code < now - availability_delay}, exactly as a training event at time t saw the events before
 * {@code t - availability_delay}: an event is visible to requests from {@code time + availability_delay + 1 s} on (at
 * whole-second resolution, as timestamps are). Events may arrive late (timestamp in the past): they are visible from the
 * next request on, counted as late. Time never runs backwards here: a clock that steps back is held at the latest time
 * already served.
 *
 * <p><b>Rows.</b> Users and items the bundle knows keep their rows; a user id the bundle does not know gets a new row on
 * its first event, up to {@code maxNewUsers} of them (beyond that, events of further new users are refused with
 * {@link HistoryFullException}, counted). An item the bundle does not know is accepted and counted: its event counts
 * in its user's history, but the item, which cannot be recommended, has no history of its own and is left out of item
 * lists.
 *
 * <p><b>Labels.</b> An event's label is the dataset's label rule applied to its value of the rule's column, read as a
 * 32-bit float as preparation reads it ({@link HistoryEvents#labelRule()}).
 *
 * <p><b>Durability.</b> With an {@link EventLog} attached, {@link #record} writes the events to it and returns after
 * they are durable, and only then makes them part of the history; {@link #replay} reads an earlier log back on start.
 *
 * <p>Thread-safe: one lock guards the history; a query holds it while it encodes its rows (microseconds for a request's
 * candidates), an event while it is added.
 */
public final class LiveHistory {
  private static final Logger LOG = LogManager.getLogger(LiveHistory.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  /** The user row of a query for a user without any history: no event ever has it, so every feature reads "nothing yet". */
  public static final int NO_HISTORY = Integer.MAX_VALUE;

  private final HistoryFeatures features;
  private final EntityTable users;
  private final EntityTable items;
  private final LabelRule labelRule;
  private final ServedEvent.Schema schema;
  private final Clock clock;
  private final long delay;
  private final Limits limits;
  private final Set<String> names;
  private final boolean anyUserFeature;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Integer> newUsers = new ConcurrentHashMap<>();
  private final Map<String, Mark> marks = new ConcurrentHashMap<>();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong unknownItems = new AtomicLong();
  private final AtomicLong late = new AtomicLong();
  private final AtomicLong refusedFull = new AtomicLong();
  private final AtomicLong replayed = new AtomicLong();
  private final long shipped;
  private final double replayMs;
  private volatile EventLog log;

  /** Per user: events recorded since start, and the time from which all of them are visible. */
  private record Mark(long generation, long settledFrom) {}

  /**
   * Bounds of a live history.
   *
   * @param maxNewUsers      users the bundle does not know that may get a history
   * @param maxAheadSeconds  how far after the server's clock an event's time may be (a clock in milliseconds, or an
   *                         event from the future, would otherwise sit invisible)
   */
  public record Limits(int maxNewUsers, long maxAheadSeconds) {
    public Limits {
      if (maxNewUsers < 0 || maxAheadSeconds < 0) {
        throw new IllegalArgumentException("history limits must be >= 0");
      }
    }
  }

  /** Too many users the bundle does not know already have a history. */
  public static final class HistoryFullException extends IllegalStateException {
    public HistoryFullException(String message) {
      super(message);
    }
  }

  /**
   * What recording a batch did.
   *
   * @param accepted     events now in the history
   * @param unknownItems of those, events of items the bundle does not know
   * @param newUsers     users that got a history with this batch
   * @param asOf         the time requests are served as of now (epoch seconds)
   */
  public record Receipt(int accepted, int unknownItems, int newUsers, long asOf) {}

  /**
   * Counters since start, for metrics.
   *
   * @param shipped      events the bundle shipped (replayed at construction)
   * @param replayed     events replayed from the log at start
   * @param accepted     events recorded since start
   * @param unknownItems recorded events of items the bundle does not know
   * @param late         recorded events that arrived after the time they should have become visible
   * @param refusedFull  events refused because {@link Limits#maxNewUsers} users already had a history
   * @param newUsers     users the bundle does not know that have a history
   * @param logSyncs     syncs of the events log, and their total seconds
   */
  public record Counts(long shipped, long replayed, long accepted, long unknownItems, long late, long refusedFull, long newUsers,
      long logSyncs, double logSyncSeconds) {}

  /**
   * The bundle's history: replays the shipped events (see {@link #replayMillis()}).
   *
   * @param transform the bundle's feature transform (with history features)
   * @param events    the events the bundle ships
   * @param users     the bundle's users (rows as in {@code events})
   * @param items     the bundle's items (rows as in {@code events})
   */
  public LiveHistory(FeatureTransform transform, HistoryEvents events, EntityTable users, EntityTable items, Clock clock, Limits limits) {
    if (transform.history() == null) {
      throw new IllegalArgumentException("the feature transform has no history features");
    }
    long t0 = System.nanoTime();
    this.features = events.replay(transform, items);
    this.replayMs = (System.nanoTime() - t0) / 1e6;
    this.shipped = events.size();
    this.users = users;
    this.items = items;
    this.labelRule = events.labelRule();
    List<String> sources = new ArrayList<>(features.sources());
    sources.remove(labelRule.column());
    this.schema = new ServedEvent.Schema(labelRule.column(), List.copyOf(sources));
    this.clock = clock;
    this.delay = transform.history().availabilityDelaySeconds();
    this.limits = limits;
    this.names = new HashSet<>(features.names());
    this.anyUserFeature = transform.history().features().stream().anyMatch(f -> !f.dependsOnItem());
    LOG.info("history: replayed the bundle's {} events in {} ms", events.size(), String.format("%.0f", replayMs));
  }

  /** The names of the history features (context features of the transform, computed here rather than sent by clients). */
  public List<String> featureNames() {
    return features.names();
  }

  /** Whether {@code feature} is a history feature. */
  public boolean isHistoryFeature(String feature) {
    return names.contains(feature);
  }

  /** The raw column a history feature's encoding reads (never a request attribute). */
  public static String column(String feature) {
    return HistoryFeature.column(feature);
  }

  /** Fields an event has: user, item, time, the label rule's column, other outcome columns. */
  public ServedEvent.Schema schema() {
    return schema;
  }

  public LabelRule labelRule() {
    return labelRule;
  }

  public long availabilityDelaySeconds() {
    return delay;
  }

  /** The server's clock, in epoch seconds. */
  public long now() {
    return clock.instant().getEpochSecond();
  }

  /** The time the history was last advanced to (Long.MIN_VALUE before any query). */
  public long asOf() {
    lock.lock();
    try {
      return features.asOf();
    } finally {
      lock.unlock();
    }
  }

  /** Milliseconds the replay of the bundle's events took. */
  public double replayMillis() {
    return replayMs;
  }

  /**
   * The events of a request body: one event object, a JSON array of them, or {@code {"events": [...]}}.
   *
   * @throws ServedEvent.MalformedEventException naming the field at fault (the body as a whole is "body")
   */
  public List<ServedEvent> parse(byte[] body) {
    JsonNode root;
    try {
      root = body == null || body.length == 0 ? null : JSON.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ServedEvent.MalformedEventException("body", "is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // reading a byte array does not fail otherwise
    }
    if (root == null || root.isMissingNode()) {
      throw new ServedEvent.MalformedEventException("body", "is empty; send an event, e.g. " + example());
    }
    long now = now();
    List<ServedEvent> out = new ArrayList<>();
    JsonNode list = root.isArray() ? root : root.isObject() && root.size() == 1 && root.has("events") ? root.get("events") : null;
    if (list == null) {
      out.add(ServedEvent.parse(root, "", schema, now));
    } else {
      if (!list.isArray()) {
        throw new ServedEvent.MalformedEventException("events", "must be a JSON array of events");
      }
      for (int i = 0; i < list.size(); i++) {
        out.add(ServedEvent.parse(list.get(i), "events[" + i + "].", schema, now));
      }
    }
    if (out.isEmpty()) {
      throw new ServedEvent.MalformedEventException("events", "is empty");
    }
    return out;
  }

  /** An event of this history's form, for messages. */
  public String example() {
    return "{\"user\": \"42\", \"item\": \"" + (items.size() > 0 ? items.id(0) : "i1") + "\", \"time\": " + now() + ", \""
        + schema.labelColumn() + "\": 1}";
  }

  /**
   * Opens the events log in {@code dir} (any Hadoop URI), replays what earlier servers logged there after the bundle's
   * events, and logs every event recorded from now on into a new segment of it.
   *
   * @return the log, which the caller closes after the server that records into it has stopped
   * @throws IOException if the log cannot be read or its new segment created
   * @throws dev.tandem.fs.CorruptDataException naming the segment and line if a logged line is not a valid event
   */
  public EventLog useLog(org.apache.hadoop.fs.Path dir) throws IOException {
    EventLog l = EventLog.open(dir);
    try {
      replay(l);
    } catch (IOException | RuntimeException e) {
      try {
        l.close();
        dev.tandem.fs.Fs.delete(l.segment()); // still empty: nothing was acknowledged into it
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    logTo(l);
    return l;
  }

  /** Attaches the log {@link #record} writes to (after {@link #replay}). The log stays its opener's. */
  public void logTo(EventLog log) {
    this.log = log;
  }

  /**
   * Replays the events of an earlier log (after the bundle's), through the same validation and the same code as live
   * events; events of new users beyond {@link Limits#maxNewUsers} are skipped and counted.
   */
  public EventLog.Replayed replay(EventLog from) throws IOException {
    long t0 = System.nanoTime();
    EventLog.Replayed r = from.replay((line, where) -> {
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (IOException e) {
        throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
      }
      ServedEvent e = ServedEvent.parse(node, "", schema, now());
      lock.lock();
      try {
        if (reserve(List.of(e), false) < 0) {
          return;
        }
        apply(e);
        replayed.incrementAndGet();
      } finally {
        lock.unlock();
      }
    });
    LOG.info("history: replayed {} logged event(s) from {} segment(s) of {} in {} ms{}", r.lines(), r.segments(), from.dir(),
        String.format("%.0f", (System.nanoTime() - t0) / 1e6), r.tornLines() > 0 ? " (" + r.tornLines() + " torn last line(s) skipped)" : "");
    return r;
  }

  /**
   * Records validated events: writes them to the log (if one is attached) and returns once they are durable and part
   * of the history. Nothing is recorded if any cannot be.
   *
   * @throws ServedEvent.MalformedEventException if an event's time is too far after the server's clock
   * @throws HistoryFullException if the events would give more new users a history than the limit allows
   * @throws IOException if the log cannot be written: the events are not recorded
   */
  public Receipt record(List<ServedEvent> events) throws IOException {
    long now = now();
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).time() > now + limits.maxAheadSeconds()) {
        throw new ServedEvent.MalformedEventException(events.size() == 1 ? "time" : "events[" + i + "].time", events.get(i).time()
            + " is more than " + limits.maxAheadSeconds() + " s after the server's clock (" + now + "); times are epoch seconds");
      }
    }
    int fresh;
    lock.lock();
    try {
      fresh = reserve(events, true);
    } finally {
      lock.unlock();
    }
    EventLog l = log;
    if (l != null) {
      List<String> lines = new ArrayList<>(events.size());
      for (ServedEvent e : events) {
        lines.add(e.toJson().toString());
      }
      l.append(lines);
    }
    int unknown = 0;
    lock.lock();
    try {
      for (ServedEvent e : events) {
        unknown += apply(e) ? 0 : 1;
      }
      accepted.addAndGet(events.size());
      return new Receipt(events.size(), unknown, fresh, Math.max(now, features.asOf()));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Gives the new users among {@code events} their rows (under the lock).
   *
   * @return how many new users got a row, or -1 if the limit was reached and {@code strict} is false
   * @throws HistoryFullException if the limit was reached and {@code strict}
   */
  private int reserve(List<ServedEvent> events, boolean strict) {
    Set<String> fresh = new java.util.LinkedHashSet<>();
    for (ServedEvent e : events) {
      if (users.row(e.user()) < 0 && !newUsers.containsKey(e.user())) {
        fresh.add(e.user());
      }
    }
    if (newUsers.size() + fresh.size() > limits.maxNewUsers()) {
      refusedFull.addAndGet(events.size());
      if (!strict) {
        LOG.warn("history: skipped an event of new user {}: {} users the bundle does not know have a history already"
            + " (serving.yaml history.max_new_users)", events.get(0).user(), newUsers.size());
        return -1;
      }
      throw new HistoryFullException(newUsers.size() + " users the bundle does not know have a history already, the most this server keeps"
          + " (serving.yaml history.max_new_users: " + limits.maxNewUsers() + ")");
    }
    for (String u : fresh) {
      newUsers.put(u, users.size() + newUsers.size());
    }
    return fresh.size();
  }

  /** Adds an event whose user has a row (under the lock); returns whether its item is known. */
  private boolean apply(ServedEvent e) {
    int u = users.row(e.user());
    if (u < 0) {
      u = newUsers.get(e.user());
    }
    int it = items.row(e.item());
    float[] src = null;
    List<String> sources = features.sources();
    if (!sources.isEmpty()) {
      src = new float[sources.size()];
      for (int s = 0; s < src.length; s++) {
        Double v = e.values().get(sources.get(s));
        src[s] = v == null ? Float.NaN : (float) v.doubleValue();
      }
    }
    // the label as preparation computes it: the rule on the value read as a 32-bit float
    float label = labelRule.apply((float) e.values().get(labelRule.column()).doubleValue());
    features.add(u, it, e.time(), label, src);
    long visibleFrom = e.time() + delay + 1;
    if (features.asOf() != Long.MIN_VALUE && visibleFrom <= features.asOf()) {
      late.incrementAndGet();
    }
    Mark m = marks.get(e.user());
    marks.put(e.user(), new Mark(m == null ? 1 : m.generation() + 1, Math.max(visibleFrom, m == null ? Long.MIN_VALUE : m.settledFrom())));
    if (it < 0) {
      unknownItems.incrementAndGet();
    }
    return it >= 0;
  }

  /**
   * The history row of a user: the bundle's row, the row the user got with a first event, or {@link #NO_HISTORY}.
   */
  public int userRow(String user) {
    int r = users.row(user);
    if (r >= 0) {
      return r;
    }
    Integer n = newUsers.get(user);
    return n == null ? NO_HISTORY : n;
  }

  /** Whether a user the bundle does not know has a history (events posted since export) that user-side features read. */
  public boolean hasNewUserHistory(String user) {
    return anyUserFeature && newUsers.containsKey(user);
  }

  /** Events recorded for {@code user} since start: cached values of the user computed under another count are stale. */
  public long generation(String user) {
    Mark m = marks.get(user);
    return m == null ? 0 : m.generation();
  }

  /**
   * Whether every event recorded for {@code user} is visible at {@code now}: only then may values computed now be
   * cached under {@link #generation} (until then the history changes as events become visible, with no new event).
   */
  public boolean settled(String user, long now) {
    Mark m = marks.get(user);
    return m == null || now >= m.settledFrom();
  }

  /**
   * The encoded history columns of one user with each of {@code itemRows} (-1: no candidate, a user tower's query) as of
   * {@code t}, or of the latest time already served if that is later.
   *
   * @param userRow from {@link #userRow}
   * @return the columns by feature name, one row per item
   */
  public EncodedTable encode(int userRow, int[] itemRows, long t) {
    int[] u = new int[itemRows.length];
    java.util.Arrays.fill(u, userRow);
    lock.lock();
    try {
      long at = Math.max(t, features.asOf());
      features.advance(at);
      return features.encode(u, itemRows, at);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Like {@link #encode} for a given time, which must lie between the time the history is at and the server's clock
   * (the history cannot go back, and must not run ahead of the requests it serves).
   *
   * @throws IllegalArgumentException if {@code t} is outside that range
   */
  public EncodedTable encodeAt(int userRow, int[] itemRows, long t) {
    long now = now();
    lock.lock();
    try {
      long at = features.asOf();
      if (t < at) {
        throw new IllegalArgumentException("time " + t + " is before " + at + ", the time the history is at: it cannot answer for the past");
      }
      if (t > now) {
        throw new IllegalArgumentException("time " + t + " is after the server's clock (" + now + ")");
      }
      return encode(userRow, itemRows, t);
    } finally {
      lock.unlock();
    }
  }

  public Counts counts() {
    long[] s = log == null ? new long[2] : log.syncStats();
    return new Counts(shipped, replayed.get(), accepted.get(), unknownItems.get(), late.get(), refusedFull.get(), newUsers.size(), s[0],
        s[1] / 1e9);
  }

  /** The counters as a map, for messages. */
  public Map<String, Object> describe() {
    Counts c = counts();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("shipped_events", c.shipped());
    out.put("replayed_events", c.replayed());
    out.put("accepted_events", c.accepted());
    out.put("unknown_item_events", c.unknownItems());
    out.put("new_users", c.newUsers());
    return out;
  }
}
