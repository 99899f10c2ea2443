package dev.tandem.datasets.history;

import dev.tandem.datasets.Entity;
import dev.tandem.datasets.FeatureKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Every user's and item's history, kept so that point-in-time features can be computed as of any moment: the one code
 * path behind the history features of prepared datasets, of retrieval evaluation (as of a split's start) and of serving
 * (as of a request).
 *
 * <p><b>The as-of rule.</b> A feature computed at time {@code t} sees exactly the events with timestamp
 * {@code < t - delay} ({@code dataset.availability_delay}): events are {@linkplain #add added} as they happen but become
 * visible only once {@link #advance} passes their time plus the delay. Events at the same timestamp therefore never see
 * each other, and with a delay {@code d} an event inside {@code [t - d, t)} is invisible. Trailing windows are measured
 * back from {@code t}: a 30-day count at {@code t} counts the visible events with timestamp {@code >= t - 30 days}.
 *
 * <p><b>Bounds.</b> Per user and per item the state keeps running totals over all time, the events inside the
 * longest trailing window of its features (at most {@code maxEvents}; beyond that the oldest are dropped and window
 * values cover only the newest {@code maxEvents}, counted in {@link #truncations()}), the last {@code n} item ids of
 * history_items features, and per attribute value the counts of history_share features. Memory grows with the
 * entities and with the events inside the windows, not with the whole log.
 *
 * <p>Users and items are dense integer rows (those of a prepared dataset's entity tables; serving assigns new rows to
 * new ids). Not thread-safe.
 */
public final class HistoryState {
  private final List<HistoryFeature> features;
  private final long delay;
  private final int maxEvents;
  private final List<String> meanSources = new ArrayList<>();
  private final int[] meanSlot;
  private final List<String> shareSources = new ArrayList<>();
  private final int[] shareSlot;
  /** Per share source: item row -> codes of the item's attribute values. */
  private final List<int[][]> itemValueCodes = new ArrayList<>();
  private final Side users;
  private final Side items;
  /** Whether any feature summarises users (or items): a side nobody asks about keeps no tracks. */
  private final boolean usersActive;
  private final boolean itemsActive;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private long advancedTo = Long.MIN_VALUE;
  private long truncations;

  /** An event that happened but is not visible yet. */
  private record Pending(int user, int item, long ts, float label, float[] sources) {}

  /**
   * @param features   the history features to compute (in the transform's order)
   * @param delaySeconds the availability delay
   * @param maxEvents  most events kept per user or item for trailing windows
   * @param itemValues per history_share attribute (as named by {@link HistoryFeature#source()}): item row -> the codes of
   *                   its values (any dense coding); items beyond the array have none
   */
  public HistoryState(List<HistoryFeature> features, long delaySeconds, int maxEvents, Map<String, int[][]> itemValues) {
    this.features = List.copyOf(features);
    this.delay = delaySeconds;
    this.maxEvents = maxEvents;
    this.meanSlot = new int[features.size()];
    this.shareSlot = new int[features.size()];
    List<Long> userSpans = new ArrayList<>();
    List<Long> itemSpans = new ArrayList<>();
    int userPositiveItems = 0;
    int userAllItems = 0;
    for (int f = 0; f < features.size(); f++) {
      HistoryFeature h = features.get(f);
      meanSlot[f] = -1;
      shareSlot[f] = -1;
      if (h.kind() == FeatureKind.HISTORY_MEAN) {
        if (!meanSources.contains(h.source())) {
          meanSources.add(h.source());
        }
        meanSlot[f] = meanSources.indexOf(h.source());
      }
      if (h.kind() == FeatureKind.HISTORY_SHARE) {
        if (!shareSources.contains(h.source())) {
          shareSources.add(h.source());
          int[][] codes = itemValues.get(h.source());
          if (codes == null) {
            throw new IllegalArgumentException("no item values given for history_share attribute '" + h.source() + "'");
          }
          itemValueCodes.add(codes);
        }
        shareSlot[f] = shareSources.indexOf(h.source());
      }
      if (h.windowSeconds() > 0) {
        List<Long> spans = h.of() == Entity.USER ? userSpans : itemSpans;
        if (!spans.contains(h.windowSeconds())) {
          spans.add(h.windowSeconds());
        }
      }
      if (h.kind() == FeatureKind.HISTORY_ITEMS) {
        if (h.positivesOnly()) {
          userPositiveItems = Math.max(userPositiveItems, h.n());
        } else {
          userAllItems = Math.max(userAllItems, h.n());
        }
      }
    }
    this.usersActive = features.stream().anyMatch(h -> h.of() == Entity.USER);
    this.itemsActive = features.stream().anyMatch(h -> h.of() == Entity.ITEM);
    this.users = new Side(userSpans, userPositiveItems, userAllItems, shareSources.size());
    this.items = new Side(itemSpans, 0, 0, 0);
  }

  /** The features this state computes, in order. */
  public List<HistoryFeature> features() {
    return features;
  }

  /** The outcome columns history_mean features average, in the order {@link #add} takes their values. */
  public List<String> meanSources() {
    return List.copyOf(meanSources);
  }

  /** Events dropped from a trailing window because an entity had more than {@code maxEvents} in it. */
  public long truncations() {
    return truncations;
  }

  /** The time the state was last advanced to (Long.MIN_VALUE before the first advance). */
  public long advancedTo() {
    return advancedTo;
  }

  /**
   * Records an event; it becomes visible once the state advances past {@code ts + delay}.
   *
   * @param sources the values of {@link #meanSources()} for this event (NaN when missing); may be null when there are none
   */
  public void add(int user, int item, long ts, float label, float[] sources) {
    Pending p = new Pending(user, item, ts, label, sources);
    if (pending.isEmpty() || pending.peekLast().ts() <= ts) {
      pending.addLast(p);
      return;
    }
    // arrived out of order (a late event): keep the queue sorted by time
    List<Pending> after = new ArrayList<>();
    while (!pending.isEmpty() && pending.peekLast().ts() > ts) {
      after.add(pending.pollLast());
    }
    pending.addLast(p);
    for (int i = after.size() - 1; i >= 0; i--) {
      pending.addLast(after.get(i));
    }
  }

  /**
   * Makes visible every event with timestamp {@code < t - delay}. Values are then as of {@code t}.
   *
   * @throws IllegalArgumentException if {@code t} is before an earlier advance (the past cannot be recomputed)
   */
  public void advance(long t) {
    if (t < advancedTo) {
      throw new IllegalArgumentException("history is already as of " + advancedTo + "; cannot go back to " + t);
    }
    advancedTo = t;
    long visibleBefore = t - delay;
    while (!pending.isEmpty() && pending.peekFirst().ts() < visibleBefore) {
      apply(pending.pollFirst());
    }
  }

  private void apply(Pending e) {
    if (itemsActive && e.item() >= 0) {
      truncations += items.track(e.item()).observe(e.ts(), -1, e.label(), e.sources(), items);
    }
    if (!usersActive) {
      return;
    }
    Track u = users.track(e.user());
    truncations += u.observe(e.ts(), e.item(), e.label(), e.sources(), users);
    for (int s = 0; s < shareSources.size(); s++) {
      int[][] codes = itemValueCodes.get(s);
      if (e.item() >= 0 && e.item() < codes.length && codes[e.item()] != null) {
        CodeStats stats = u.share(s);
        for (int c : codes[e.item()]) {
          stats.add(c, e.label());
        }
      }
    }
  }

  /**
   * The raw value of a scalar feature of {@code h.of()} for an entity with no visible earlier events (a user's first
   * event): 0 events, rates and means at their prior when smoothed (else NaN), no time since a last event. For a
   * history_share of an item with attribute values that is the prior too. Models use it to hide a user's history in
   * training (see the trainer's history dropout), so that users without history at serving time resemble a trained
   * case.
   */
  public static float withoutHistory(HistoryFeature h) {
    return switch (h.kind()) {
      case HISTORY_COUNT -> 0f;
      // the expressions of value() with no events, so the two agree to the bit
      case HISTORY_RATE, HISTORY_MEAN -> h.smoothing() > 0 ? (float) ((0 + h.smoothing() * h.prior()) / (0 + h.smoothing())) : Float.NaN;
      case HISTORY_SHARE -> h.smoothing() > 0 ? (float) h.prior() : Float.NaN;
      case TIME_SINCE -> Float.NaN;
      default -> throw new IllegalArgumentException(h.name() + " is a list feature: no scalar value");
    };
  }

  /**
   * The raw value of scalar feature {@code f} (any kind but history_items) for an event of {@code user} with
   * {@code item} at time {@code t}: NaN when undefined (no earlier event for time_since, no attribute value for
   * history_share). Counts are plain counts; the transform applies log1p and standardisation.
   *
   * @throws IllegalArgumentException if {@code t} is not the time the state was advanced to
   */
  public float value(int f, int user, int item, long t) {
    if (t != advancedTo) {
      throw new IllegalArgumentException("history is as of " + advancedTo + ", not " + t + ": advance first");
    }
    HistoryFeature h = features.get(f);
    Track tr = (h.of() == Entity.USER ? users : items).peek(h.of() == Entity.USER ? user : item);
    return switch (h.kind()) {
      case HISTORY_COUNT -> tr == null ? 0f : (float) (h.positivesOnly() ? tr.positives(h.windowSeconds(), t) : tr.count(h.windowSeconds(), t));
      case HISTORY_RATE -> {
        double n = tr == null ? 0 : tr.count(h.windowSeconds(), t);
        double pos = tr == null ? 0 : tr.positives(h.windowSeconds(), t);
        yield (float) ((pos + h.smoothing() * h.prior()) / (n + h.smoothing()));
      }
      case HISTORY_MEAN -> {
        double[] ns = tr == null ? new double[] {0, 0} : tr.sourceSum(meanSlot[f], h.windowSeconds(), t);
        yield ns[0] + h.smoothing() == 0 ? Float.NaN : (float) ((ns[1] + h.smoothing() * h.prior()) / (ns[0] + h.smoothing()));
      }
      case TIME_SINCE -> tr == null || tr.lastTs == Long.MIN_VALUE ? Float.NaN : (float) ((t - tr.lastTs) / 3600.0);
      case HISTORY_SHARE -> share(f, h, tr, item);
      default -> throw new IllegalArgumentException(h.name() + " is a list feature: use items()");
    };
  }

  private float share(int f, HistoryFeature h, Track tr, int item) {
    int[][] codes = itemValueCodes.get(shareSlot[f]);
    int[] values = item >= 0 && item < codes.length ? codes[item] : null;
    if (values == null || values.length == 0) {
      return Float.NaN;
    }
    double sum = 0;
    CodeStats stats = tr == null ? null : tr.shareOrNull(shareSlot[f]);
    for (int c : values) {
      int at = stats == null ? -1 : stats.find(c);
      double n = at < 0 ? 0 : stats.count[at];
      double pos = at < 0 ? 0 : stats.positives[at];
      double denominator = n + h.smoothing();
      sum += denominator == 0 ? h.prior() : (pos + h.smoothing() * h.prior()) / denominator;
    }
    return (float) (sum / values.length);
  }

  /**
   * The item rows of history_items feature {@code f} for {@code user} at time {@code t}, most recent first, into
   * {@code out} (at least {@code n} long).
   *
   * @return how many were written
   */
  public int items(int f, int user, long t, int[] out) {
    if (t != advancedTo) {
      throw new IllegalArgumentException("history is as of " + advancedTo + ", not " + t + ": advance first");
    }
    HistoryFeature h = features.get(f);
    if (h.kind() != FeatureKind.HISTORY_ITEMS) {
      throw new IllegalArgumentException(h.name() + " is not a history_items feature");
    }
    Track tr = users.peek(user);
    if (tr == null) {
      return 0;
    }
    IntRing ring = h.positivesOnly() ? tr.positiveItems : tr.allItems;
    return ring == null ? 0 : ring.newestFirst(out, h.n());
  }

  /** The events of users (or items) that are visible now, for tests and snapshots: user row -> count over all time. */
  public long count(Entity of, int row) {
    Track tr = (of == Entity.USER ? users : items).peek(row);
    return tr == null ? 0 : tr.count;
  }

  /** Settings shared by the tracks of one side (users or items). */
  private final class Side {
    /** The distinct trailing windows of this side's features; the longest is what each track keeps. */
    final long[] spans;
    final long window;
    final int positiveItems;
    final int allItems;
    final int shares;
    Track[] tracks = new Track[16];

    Side(List<Long> spans, int positiveItems, int allItems, int shares) {
      this.spans = spans.stream().mapToLong(Long::longValue).toArray();
      this.window = Arrays.stream(this.spans).max().orElse(-1);
      this.positiveItems = positiveItems;
      this.allItems = allItems;
      this.shares = shares;
    }

    Track track(int row) {
      if (row >= tracks.length) {
        tracks = Arrays.copyOf(tracks, Math.max(row + 1, tracks.length * 2));
      }
      Track t = tracks[row];
      if (t == null) {
        t = new Track(this);
        tracks[row] = t;
      }
      return t;
    }

    Track peek(int row) {
      return row >= 0 && row < tracks.length ? tracks[row] : null;
    }
  }

  /** One user's or item's history. */
  private final class Track {
    long count;
    double positives;
    final double[] sourceCount;
    final double[] sourceSum;
    long lastTs = Long.MIN_VALUE;
    final Window window;
    final IntRing positiveItems;
    final IntRing allItems;
    private CodeStats[] shares;

    Track(Side side) {
      int m = meanSources.size();
      sourceCount = new double[m];
      sourceSum = new double[m];
      window = side.window > 0 ? new Window(side, m) : null;
      positiveItems = side.positiveItems > 0 ? new IntRing(side.positiveItems) : null;
      allItems = side.allItems > 0 ? new IntRing(side.allItems) : null;
    }

    /** Applies a visible event; returns how many window events had to be dropped for the cap. */
    int observe(long ts, int item, float label, float[] sources, Side side) {
      count++;
      positives += label;
      for (int s = 0; s < sourceSum.length; s++) {
        float v = sources == null ? Float.NaN : sources[s];
        if (!Float.isNaN(v)) {
          sourceCount[s]++;
          sourceSum[s] += v;
        }
      }
      lastTs = Math.max(lastTs, ts);
      if (item >= 0) {
        if (allItems != null) {
          allItems.push(item);
        }
        if (positiveItems != null && label > 0) {
          positiveItems.push(item);
        }
      }
      return window == null ? 0 : window.add(ts, label, sources, this);
    }

    long count(long windowSeconds, long t) {
      return windowSeconds < 0 ? count : window.count(windowSeconds, t - windowSeconds);
    }

    double positives(long windowSeconds, long t) {
      return windowSeconds < 0 ? positives : window.positives(windowSeconds, t - windowSeconds, this);
    }

    /** {values counted, their sum}. */
    double[] sourceSum(int slot, long windowSeconds, long t) {
      return windowSeconds < 0 ? new double[] {sourceCount[slot], sourceSum[slot]} : window.sourceSum(slot, windowSeconds, t - windowSeconds, this);
    }

    CodeStats share(int slot) {
      if (shares == null) {
        shares = new CodeStats[shareSources.size()];
      }
      if (shares[slot] == null) {
        shares[slot] = new CodeStats();
      }
      return shares[slot];
    }

    CodeStats shareOrNull(int slot) {
      return shares == null ? null : shares[slot];
    }
  }

  /**
   * The events of one entity inside its longest trailing window, oldest first. Each keeps its own contribution and the
   * all-time running totals up to and including it, so a window's sums are the totals now minus the totals just before
   * its first event: one binary search per query, however many events the window holds.
   */
  private final class Window {
    final long span;
    final long[] spans;
    /** Per span: the absolute position (events ever added) of the first event inside it at the last query. */
    final long[] cursor;
    /** Events ever popped from the front: the absolute position of the oldest kept event. */
    long base;
    long[] ts = new long[4];
    float[] label = new float[4];
    double[] cumPositives = new double[4];
    final float[][] source;
    final double[][] cumSourceCount;
    final double[][] cumSourceSum;
    int head;
    int size;

    Window(Side side, int sources) {
      this.span = side.window;
      this.spans = side.spans;
      this.cursor = new long[side.spans.length];
      source = new float[sources][4];
      cumSourceCount = new double[sources][4];
      cumSourceSum = new double[sources][4];
    }

    private int at(int i) {
      return (head + i) & (ts.length - 1);
    }

    /** Adds an event whose contribution the track's totals already include; returns 1 if the cap dropped one. */
    int add(long t, float lab, float[] sources, Track tr) {
      int dropped = 0;
      if (size > 0 && t < ts[at(size - 1)]) {
        t = ts[at(size - 1)]; // a late event joins its windows as of its arrival, keeping them in time order
      }
      while (size > 0 && ts[at(0)] < t - span) {
        pop();
      }
      if (size == ts.length) {
        if (ts.length >= maxEvents) {
          pop();
          dropped = 1;
        } else {
          grow();
        }
      }
      int slot = at(size);
      ts[slot] = t;
      label[slot] = lab;
      cumPositives[slot] = tr.positives;
      for (int s = 0; s < source.length; s++) {
        source[s][slot] = sources == null ? Float.NaN : sources[s];
        cumSourceCount[s][slot] = tr.sourceCount[s];
        cumSourceSum[s][slot] = tr.sourceSum[s];
      }
      size++;
      return dropped;
    }

    private void pop() {
      head = (head + 1) & (ts.length - 1);
      size--;
      base++;
    }

    private void grow() {
      int cap = ts.length * 2;
      long[] nts = new long[cap];
      float[] nlabel = new float[cap];
      double[] ncum = new double[cap];
      float[][] nsource = new float[source.length][cap];
      double[][] ncount = new double[source.length][cap];
      double[][] nsum = new double[source.length][cap];
      for (int i = 0; i < size; i++) {
        int slot = at(i);
        nts[i] = ts[slot];
        nlabel[i] = label[slot];
        ncum[i] = cumPositives[slot];
        for (int s = 0; s < source.length; s++) {
          nsource[s][i] = source[s][slot];
          ncount[s][i] = cumSourceCount[s][slot];
          nsum[s][i] = cumSourceSum[s][slot];
        }
      }
      ts = nts;
      label = nlabel;
      cumPositives = ncum;
      for (int s = 0; s < source.length; s++) {
        source[s] = nsource[s];
        cumSourceCount[s] = ncount[s];
        cumSourceSum[s] = nsum[s];
      }
      head = 0;
    }

    /**
     * Index (0 = oldest) of the first event at or after {@code from}; {@code size} if none. Queries of one span come
     * with a start that never goes back (time only advances), so a cursor per span makes this amortised O(1).
     */
    private int first(long spanSeconds, long from) {
      int k = 0;
      while (spans[k] != spanSeconds) {
        k++;
      }
      long pos = Math.max(cursor[k], base);
      long end = base + size;
      while (pos < end && ts[at((int) (pos - base))] < from) {
        pos++;
      }
      cursor[k] = pos;
      return (int) (pos - base);
    }

    long count(long spanSeconds, long from) {
      return size - first(spanSeconds, from);
    }

    double positives(long spanSeconds, long from, Track tr) {
      int i = first(spanSeconds, from);
      if (i == size) {
        return 0;
      }
      int slot = at(i);
      return tr.positives - (cumPositives[slot] - label[slot]);
    }

    /** {values counted, their sum} of source {@code s} over the events at or after {@code from}. */
    double[] sourceSum(int s, long spanSeconds, long from, Track tr) {
      int i = first(spanSeconds, from);
      if (i == size) {
        return new double[] {0, 0};
      }
      int slot = at(i);
      float own = source[s][slot];
      double countBefore = cumSourceCount[s][slot] - (Float.isNaN(own) ? 0 : 1);
      double sumBefore = cumSourceSum[s][slot] - (Float.isNaN(own) ? 0 : own);
      return new double[] {tr.sourceCount[s] - countBefore, tr.sourceSum[s] - sumBefore};
    }
  }

  /** Events and positives per attribute code: a small open-addressing map (a user touches few codes). */
  private static final class CodeStats {
    int[] keys = filled(8);
    double[] count = new double[8];
    double[] positives = new double[8];
    int size;

    private static int[] filled(int n) {
      int[] k = new int[n];
      Arrays.fill(k, -1);
      return k;
    }

    /** The slot of {@code code}, or -1. */
    int find(int code) {
      int mask = keys.length - 1;
      for (int i = (code * 0x9E3779B1) >>> 16 & mask; ; i = (i + 1) & mask) {
        if (keys[i] == code) {
          return i;
        }
        if (keys[i] == -1) {
          return -1;
        }
      }
    }

    void add(int code, float label) {
      if ((size + 1) * 2 > keys.length) {
        int[] oldKeys = keys;
        double[] oldCount = count;
        double[] oldPositives = positives;
        keys = filled(oldKeys.length * 2);
        count = new double[keys.length];
        positives = new double[keys.length];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
          if (oldKeys[i] != -1) {
            int at = insert(oldKeys[i]);
            count[at] = oldCount[i];
            positives[at] = oldPositives[i];
          }
        }
      }
      int at = insert(code);
      count[at]++;
      positives[at] += label;
    }

    private int insert(int code) {
      int mask = keys.length - 1;
      for (int i = (code * 0x9E3779B1) >>> 16 & mask; ; i = (i + 1) & mask) {
        if (keys[i] == code) {
          return i;
        }
        if (keys[i] == -1) {
          keys[i] = code;
          size++;
          return i;
        }
      }
    }
  }

  /** The last {@code capacity} ints pushed, newest first on read. */
  private static final class IntRing {
    final int[] values;
    int next;
    int size;

    IntRing(int capacity) {
      values = new int[capacity];
    }

    void push(int v) {
      values[next] = v;
      next = next + 1 == values.length ? 0 : next + 1;
      size = Math.min(size + 1, values.length);
    }

    int newestFirst(int[] out, int n) {
      int k = Math.min(n, size);
      int at = next;
      for (int i = 0; i < k; i++) {
        at = at == 0 ? values.length - 1 : at - 1;
        out[i] = values[at];
      }
      return k;
    }
  }
}
