package dev.tandem.datasets.synth;

import dev.tandem.Shuffle;
import dev.tandem.datasets.source.EventLogSource;
import dev.tandem.datasets.source.TextTable;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.fs.Path;

/**
 * Generates an interaction log with a planted, learnable signal, as CSV files read by the ordinary event-log reader:
 *
 * <ul>
 *   <li>users and items have latent taste vectors; a user picks, among candidates drawn by (time-varying) popularity,
 *       an item with probability proportional to exp(user · item), so retrieval can beat popularity;</li>
 *   <li>side features are correlated with the latent vectors: a user's country and an item's category are clusters of
 *       taste, tags follow the item's direction, age follows one taste dimension, so cold users and items are
 *       predictable from features;</li>
 *   <li>popularity is Zipf-skewed and drifts: items are released over time and get a freshness boost that decays;</li>
 *   <li>implicit feedback: watch seconds = duration × sigmoid(affinity + noise), so "watch_seconds >= 30" is a
 *       ranking label that depends on the user-item match and the item's duration;</li>
 *   <li>history matters: a user's taste drifts from day to day (a random walk around their fixed taste), and their
 *       interest follows what they recently watched through (a moving average of the latent vectors of their positives),
 *       both weighing in their next choices and in how long they watch, scaled by {@code historySignal}; so a user's
 *       recent events predict the next ones better than their fixed taste does.</li>
 * </ul>
 *
 * Output: {@code events.csv} (user_id, item_id, timestamp, device, watch_seconds, click), {@code users.csv}
 * (user_id, age, country, plan), {@code items.csv} (item_id, category, tags, duration_s, release_date). Generation
 * is seeded per day and runs day after day (users carry their recent interest over), so the output is a function of
 * the parameters alone.
 */
public final class SyntheticGenerator {
  static final String[] COUNTRIES = {"us", "gb", "de", "fr", "br", "in", "jp", "ng"};
  static final String[] DEVICES = {"mobile", "desktop", "tv"};
  static final int CATEGORIES = 12;
  static final int TAGS = 30;
  static final int CANDIDATES = 24;

  /** Generator parameters. */
  public record Params(int users, int items, long events, int factors, int days, long seed, LocalDate start, double popularitySkew,
      double historySignal) {
    public static Params small(long seed) {
      return new Params(500, 300, 20_000, 8, 60, seed, LocalDate.of(2024, 1, 1), 1.0, 1.0);
    }
  }

  /** How fast a user's recent interest follows a new positive (weight of the newest in the moving average). */
  static final double RECENCY = 0.3;
  /** Day-to-day persistence of a user's taste drift (an AR(1) walk: drift' = PERSISTENCE * drift + noise). */
  static final double PERSISTENCE = 0.9;

  /** What was written. */
  public record Output(Path events, Path users, Path items, long eventCount) {}

  /**
   * A change planted at a day, for drift and retraining tests: from {@code day} on, {@code kind} changes and stays
   * changed. Nothing before the day differs from the log without the shift.
   *
   * @param day      the first day (0-based, from the start date) of the new regime
   * @param kind     {@code popularity}: items' base popularity is reshuffled (yesterday's hits become rare);
   *                 {@code tastes}: every user's fixed taste moves to a new random direction (by {@code strength}, 1 = a
   *                 new taste altogether), so what they watch through changes; {@code new_items}: a cohort of
   *                 {@code strength} x the catalogue (at most half), unseen before, is released on the day and is
   *                 popular from then on
   * @param strength how strong the change is, in (0, 1]
   */
  public record Shift(int day, String kind, double strength) {
    public static final java.util.List<String> KINDS = java.util.List.of("popularity", "tastes", "new_items");

    public Shift {
      if (day < 0 || !KINDS.contains(kind) || !(strength > 0 && strength <= 1)) {
        throw new IllegalArgumentException("a shift needs day >= 0, kind one of " + KINDS + " and strength in (0, 1]; got " + day + ", "
            + kind + ", " + strength);
      }
    }
  }

  private final Params p;
  private final Shift shift;

  public SyntheticGenerator(Params params) {
    this(params, null);
  }

  /** A generator that plants {@code shift} (null: none). */
  public SyntheticGenerator(Params params, Shift shift) {
    this.p = params;
    this.shift = shift;
  }

  /** Writes the three CSV files into {@code dir} (atomically each). */
  public Output write(Path dir, int threads, Progress progress) throws IOException {
    Fs.mkdirs(dir);
    World w = new World(p);
    if (shift != null && shift.kind().equals("new_items")) {
      plantCohort(w);
    }
    Path users = new Path(dir, "users.csv");
    Path items = new Path(dir, "items.csv");
    Path events = new Path(dir, "events.csv");
    Fs.writeAtomically(users, out -> writeUsers(w, out));
    Fs.writeAtomically(items, out -> writeItems(w, out));
    long[] perDay = eventsPerDay();
    float[][] recent = new float[p.users()][]; // each user's recent interest, carried from day to day
    float[][] taste = new float[p.users()][];   // each user's taste today: fixed taste + drift
    float[][] drift = new float[p.users()][w.user[0].length];
    for (int u = 0; u < taste.length; u++) {
      taste[u] = w.user[u].clone();
    }
    try (Progress.Task task = progress.start("generating events", p.events(), "events")) {
      Fs.writeAtomically(events, out -> {
        out.write("user_id,item_id,timestamp,device,watch_seconds,click\n".getBytes(StandardCharsets.US_ASCII));
        for (int day = 0; day < p.days(); day++) {
          if (shift != null && day == shift.day()) {
            shiftWorld(w, taste);
          }
          if (p.historySignal() > 0) {
            walk(w, day, drift, taste);
          }
          out.write(generateDay(w, day, perDay[day], recent, taste));
          task.advance(perDay[day]);
        }
      });
    }
    return new Output(events, users, items, p.events());
  }

  /** The new item cohort: released on the shift's day, and as popular as the most popular items then. */
  private void plantCohort(World w) {
    SplittableRandom r = new SplittableRandom(p.seed() * 31L + 0x5EED);
    int n = (int) Math.max(1, Math.min(p.items() / 2, Math.round(shift.strength() * p.items())));
    int[] order = Shuffle.permutation(p.items(), r);
    for (int k = 0; k < n; k++) {
      int i = order[k];
      w.releaseDay[i] = shift.day();
      w.basePopularity[i] = 1.0 / (1 + r.nextInt(Math.max(1, n / 4)));
    }
  }

  /** The day of the shift: popularity is reshuffled, or users' tastes move (the cohort was planted up front). */
  private void shiftWorld(World w, float[][] taste) {
    SplittableRandom r = new SplittableRandom(p.seed() * 131L + 0xD1F7);
    if (shift.kind().equals("popularity")) {
      double[] old = w.basePopularity.clone();
      int[] perm = Shuffle.permutation(old.length, r);
      for (int i = 0; i < old.length; i++) {
        double mixed = (1 - shift.strength()) * old[i] + shift.strength() * old[perm[i]];
        w.basePopularity[i] = mixed;
      }
    } else if (shift.kind().equals("tastes")) {
      int d = w.user[0].length;
      double sigma = Math.sqrt(2.0 / Math.sqrt(d));
      double keep = Math.sqrt(1 - shift.strength() * shift.strength());
      for (int u = 0; u < w.user.length; u++) {
        for (int k = 0; k < d; k++) {
          w.user[u][k] = (float) (keep * w.user[u][k] + shift.strength() * sigma * r.nextGaussian());
        }
        taste[u] = w.user[u].clone(); // without history drift, taste is the fixed taste; with it, walk() adds the drift again
      }
    }
  }

  /** Events per day: weekly seasonality and mild growth, summing exactly to the requested total. */
  long[] eventsPerDay() {
    double[] w = new double[p.days()];
    double sum = 0;
    for (int d = 0; d < w.length; d++) {
      w[d] = (1.0 + 0.25 * Math.sin(2 * Math.PI * d / 7.0)) * (1.0 + 0.5 * d / Math.max(1, w.length));
      sum += w[d];
    }
    long[] out = new long[w.length];
    long assigned = 0;
    for (int d = 0; d < w.length; d++) {
      out[d] = (long) Math.floor(p.events() * w[d] / sum);
      assigned += out[d];
    }
    for (int d = 0; assigned < p.events(); d = (d + 1) % w.length) {
      out[d]++;
      assigned++;
    }
    return out;
  }

  /** Users, items and their latent vectors: everything that does not change over time. */
  static final class World {
    final Params p;
    final float[][] user;
    final float[][] item;
    final int[] country;
    final int[] age;
    final boolean[] premium;
    final int[] device;
    final int[] category;
    final int[][] tags;
    final float[] duration;
    final int[] releaseDay;
    final double[] basePopularity;
    final Alias activity;

    World(Params p) {
      this.p = p;
      SplittableRandom r = new SplittableRandom(p.seed());
      int d = p.factors();
      double sigma = Math.sqrt(2.0 / Math.sqrt(d)); // std(user · item) ≈ 2: a clear but noisy preference
      float[][] countryCentre = gaussian(r, COUNTRIES.length, d, sigma);
      float[][] categoryCentre = gaussian(r, CATEGORIES, d, sigma);
      float[][] tagDir = gaussian(r, TAGS, d, 1.0);
      user = new float[p.users()][d];
      country = new int[p.users()];
      age = new int[p.users()];
      premium = new boolean[p.users()];
      device = new int[p.users()];
      double[] act = new double[p.users()];
      for (int u = 0; u < p.users(); u++) {
        country[u] = r.nextInt(COUNTRIES.length);
        for (int k = 0; k < d; k++) {
          user[u][k] = (float) (0.75 * countryCentre[country[u]][k] + 0.66 * sigma * r.nextGaussian());
        }
        age[u] = (int) Math.round(Math.max(16, Math.min(80, 38 + 12 * user[u][0] / sigma + 6 * r.nextGaussian())));
        premium[u] = r.nextDouble() < sigmoid(user[u][1 % d] / sigma - 0.5);
        device[u] = r.nextInt(DEVICES.length);
        act[u] = Math.exp(1.0 * r.nextGaussian());
      }
      activity = new Alias(act);
      item = new float[p.items()][d];
      category = new int[p.items()];
      tags = new int[p.items()][];
      duration = new float[p.items()];
      releaseDay = new int[p.items()];
      basePopularity = new double[p.items()];
      int[] rank = Shuffle.permutation(p.items(), r);
      for (int i = 0; i < p.items(); i++) {
        category[i] = r.nextInt(CATEGORIES);
        for (int k = 0; k < d; k++) {
          item[i][k] = (float) (0.8 * categoryCentre[category[i]][k] + 0.6 * sigma * r.nextGaussian());
        }
        tags[i] = topTags(item[i], tagDir, r);
        double meanLog = Math.log(30 + 12 * category[i]); // categories differ in length: short clips to longer videos
        duration[i] = (float) Math.max(5, Math.round(Math.exp(meanLog + 0.5 * r.nextGaussian())));
        releaseDay[i] = r.nextDouble() < 0.4 ? 0 : r.nextInt(Math.max(1, p.days()));
        basePopularity[i] = 1.0 / Math.pow(rank[i] + 1, p.popularitySkew());
      }
    }

    /** Popularity on a day: base Zipf popularity times a freshness boost; unreleased items have none. */
    Alias popularityOn(int day) {
      double[] w = new double[p.items()];
      for (int i = 0; i < w.length; i++) {
        int age = day - releaseDay[i];
        w[i] = age < 0 ? 0 : basePopularity[i] * (0.4 + 3.0 * Math.exp(-age / 10.0));
      }
      return new Alias(w);
    }
  }

  static float[][] gaussian(SplittableRandom r, int n, int d, double sigma) {
    float[][] out = new float[n][d];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < d; k++) {
        out[i][k] = (float) (sigma * r.nextGaussian());
      }
    }
    return out;
  }

  static int[] topTags(float[] v, float[][] tagDir, SplittableRandom r) {
    int best = -1;
    int second = -1;
    double b1 = Double.NEGATIVE_INFINITY;
    double b2 = Double.NEGATIVE_INFINITY;
    for (int t = 0; t < tagDir.length; t++) {
      double s = dot(v, tagDir[t]) + 0.3 * r.nextGaussian();
      if (s > b1) {
        second = best;
        b2 = b1;
        best = t;
        b1 = s;
      } else if (s > b2) {
        second = t;
        b2 = s;
      }
    }
    if (r.nextDouble() < 0.3) {
      int extra = r.nextInt(tagDir.length);
      if (extra != best && extra != second) {
        return new int[] {best, second, extra};
      }
    }
    return new int[] {best, second};
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += a[k] * b[k];
    }
    return s;
  }

  static double sigmoid(double x) {
    return 1.0 / (1.0 + Math.exp(-x));
  }

  /** One day of every user's taste drift: stationary, with a spread of {@code historySignal} times the tastes' own. */
  private void walk(World w, int day, float[][] drift, float[][] taste) {
    SplittableRandom r = new SplittableRandom(p.seed() * 7_919L + day * 1_000_003L + 29);
    double sigma = Math.sqrt(2.0 / Math.sqrt(w.user[0].length)) * p.historySignal();
    double noise = sigma * Math.sqrt(1 - PERSISTENCE * PERSISTENCE);
    for (int u = 0; u < drift.length; u++) {
      for (int k = 0; k < drift[u].length; k++) {
        drift[u][k] = (float) (PERSISTENCE * drift[u][k] + noise * r.nextGaussian());
        taste[u][k] = w.user[u][k] + drift[u][k];
      }
    }
  }

  private byte[] generateDay(World w, int day, long count, float[][] recent, float[][] taste) {
    SplittableRandom r = new SplittableRandom(p.seed() * 1_000_003L + day * 7919L + 17);
    Alias pop = w.popularityOn(day);
    long dayStart = p.start().atStartOfDay(ZoneOffset.UTC).toEpochSecond() + 86_400L * day;
    int[] secs = new int[(int) count];
    for (int e = 0; e < count; e++) {
      secs[e] = r.nextInt(86_400);
    }
    Arrays.sort(secs);
    StringBuilder sb = new StringBuilder((int) Math.min(Integer.MAX_VALUE / 2, count * 44));
    int[] cand = new int[CANDIDATES];
    double[] score = new double[CANDIDATES];
    for (int e = 0; e < count; e++) {
      int u = w.activity.sample(r);
      double max = Double.NEGATIVE_INFINITY;
      float[] interest = recent[u];
      for (int c = 0; c < CANDIDATES; c++) {
        cand[c] = pop.sample(r);
        score[c] = dot(taste[u], w.item[cand[c]]) + (interest == null ? 0 : p.historySignal() * dot(interest, w.item[cand[c]]));
        max = Math.max(max, score[c]);
      }
      double z = 0;
      for (int c = 0; c < CANDIDATES; c++) {
        score[c] = Math.exp(score[c] - max);
        z += score[c];
      }
      double x = r.nextDouble() * z;
      int pick = CANDIDATES - 1;
      for (int c = 0; c < CANDIDATES; c++) {
        x -= score[c];
        if (x <= 0) {
          pick = c;
          break;
        }
      }
      int i = cand[pick];
      double affinity = dot(taste[u], w.item[i]) + (interest == null ? 0 : 0.5 * p.historySignal() * dot(interest, w.item[i]));
      double frac = sigmoid(1.5 * affinity - 3.0 + 0.8 * r.nextGaussian());
      if (frac >= 0.5) {
        if (interest == null) {
          interest = w.item[i].clone();
          recent[u] = interest;
        } else {
          for (int k = 0; k < interest.length; k++) {
            interest[k] = (float) ((1 - RECENCY) * interest[k] + RECENCY * w.item[i][k]);
          }
        }
      }
      double watch = Math.round(w.duration[i] * frac * 10) / 10.0;
      int click = frac > 0.15 ? 1 : 0;
      int dev = r.nextDouble() < 0.7 ? w.device[u] : r.nextInt(DEVICES.length);
      sb.append('u').append(u).append(",i").append(i).append(',').append(dayStart + secs[e]).append(',')
          .append(DEVICES[dev]).append(',').append(watch).append(',').append(click).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private void writeUsers(World w, OutputStream out) throws IOException {
    StringBuilder sb = new StringBuilder("user_id,age,country,plan\n");
    for (int u = 0; u < p.users(); u++) {
      sb.append('u').append(u).append(',').append(w.age[u]).append(',').append(COUNTRIES[w.country[u]]).append(',')
          .append(w.premium[u] ? "premium" : "free").append('\n');
    }
    out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
  }

  private void writeItems(World w, OutputStream out) throws IOException {
    StringBuilder sb = new StringBuilder("item_id,category,tags,duration_s,release_date\n");
    for (int i = 0; i < p.items(); i++) {
      sb.append('i').append(i).append(",c").append(w.category[i]).append(',');
      for (int t = 0; t < w.tags[i].length; t++) {
        sb.append(t == 0 ? "" : "|").append('t').append(w.tags[i][t]);
      }
      sb.append(',').append((long) w.duration[i]).append(',').append(p.start().plusDays(w.releaseDay[i])).append('\n');
    }
    out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
  }

  /** Walker's alias method: O(1) sampling from a fixed discrete distribution. */
  static final class Alias {
    private final double[] prob;
    private final int[] alias;

    Alias(double[] weights) {
      int n = weights.length;
      prob = new double[n];
      alias = new int[n];
      double sum = 0;
      for (double w : weights) {
        sum += w;
      }
      if (sum <= 0) {
        throw new IllegalArgumentException("no positive weight");
      }
      double[] scaled = new double[n];
      int[] small = new int[n];
      int[] large = new int[n];
      int ns = 0;
      int nl = 0;
      for (int i = 0; i < n; i++) {
        scaled[i] = weights[i] * n / sum;
        if (scaled[i] < 1) {
          small[ns++] = i;
        } else {
          large[nl++] = i;
        }
      }
      while (ns > 0 && nl > 0) {
        int s = small[--ns];
        int l = large[--nl];
        prob[s] = scaled[s];
        alias[s] = l;
        scaled[l] = scaled[l] + scaled[s] - 1;
        if (scaled[l] < 1) {
          small[ns++] = l;
        } else {
          large[nl++] = l;
        }
      }
      while (nl > 0) {
        prob[large[--nl]] = 1;
      }
      while (ns > 0) {
        prob[small[--ns]] = 1;
      }
    }

    int sample(SplittableRandom r) {
      int i = r.nextInt(prob.length);
      return r.nextDouble() < prob[i] ? i : alias[i];
    }
  }

  /** The event-log configuration that reads what {@link #write} produced. */
  public static EventLogSource source(String dir) {
    return new EventLogSource(
        new TextTable(dir + "/events.csv", ",", true, null, "UTF-8"),
        Map.of("user_id", "user_id", "item_id", "item_id", "timestamp", "timestamp",
            "watch_seconds", "watch_seconds", "click", "click"),
        "unix_seconds",
        new EventLogSource.SideTable(dir + "/users.csv", ",", true, null, "UTF-8", "user_id"),
        new EventLogSource.SideTable(dir + "/items.csv", ",", true, null, "UTF-8", "item_id"));
  }

}
