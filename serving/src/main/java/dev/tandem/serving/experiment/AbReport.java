package dev.tandem.serving.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.history.EventLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.hadoop.fs.Path;

/**
 * The result of an A/B experiment, read from its impression and feedback logs and nothing else: per arm, users,
 * impressions, and for every kind of feedback event (click, watch, rating, ...) its rate per impression and value per
 * impression with confidence intervals; the challenger's difference to the control with its interval and p-value; and
 * a sample-ratio-mismatch check.
 *
 * <p><b>Statistics.</b> Users are the unit of randomisation, so a rate (events / impressions) is a ratio of per-user
 * sums and its variance comes from the delta method over users (the impressions of one user are not independent):
 * {@code Var(R) = (Var(X) - 2 R Cov(X, N) + R² Var(N)) / (n · mean(N)²)} for n users with X events and N impressions
 * each. Arms are independent, so the variance of the difference is the sum. Intervals are normal-approximation
 * intervals at the report's confidence; p-values two-sided. The sample-ratio check is a chi-square goodness-of-fit test
 * (one degree of freedom) of the users per arm against the configured share; it flags a mismatch below
 * {@link #SRM_ALPHA}, which means the assignment or the logging is broken and no difference in the report can be
 * trusted.
 *
 * <p><b>Joining.</b> Feedback is attributed to the impression its request id names (the impression log says the arm
 * and user, so feedback the server could not match, e.g. after a restart, still counts). Feedback whose request id is
 * in no impression, or whose item the impression did not show, is counted and left out of the rates.
 */
public final class AbReport {
  /** The report's JSON format version. */
  public static final int FORMAT = 1;
  /** The sample-ratio check's significance level: a p-value below it flags a mismatch. */
  public static final double SRM_ALPHA = 0.001;
  /** What every report says about looking at results before the planned end. */
  public static final String PEEKING = "The intervals and p-values hold for one look at a sample size fixed in advance. Checking the"
      + " report repeatedly and stopping as soon as a difference is significant inflates the false-positive rate well above the"
      + " nominal level (with daily looks over a month, several times over). Decide the duration or the number of users before"
      + " starting and read the result once then, or correct for the looks (e.g. a sequential test or alpha spending).";

  /**
   * A rate per impression and its interval.
   *
   * @param events events of this kind
   * @param rate   events per impression
   * @param value  summed value (seconds watched, rating) per impression
   */
  public record Rate(long events, double rate, double low, double high, double value, double valueLow, double valueHigh) {}

  /** One arm's numbers; {@code versions} are the registry versions that served it, with their impressions. */
  public record ArmResult(String arm, long users, long impressions, Map<String, Long> versions, Map<String, Rate> rates) {}

  /** The challenger's rate minus the control's for one event, its interval, relative change and two-sided p-value. */
  public record Difference(String event, double difference, double low, double high, double relative, double pValue, boolean significant,
      double valueDifference, double valueLow, double valueHigh, double valuePValue) {}

  /** The sample-ratio check of users per arm against the configured share of the challenger. */
  public record Srm(long controlUsers, long challengerUsers, double expectedShare, double observedShare, double chiSquare, double pValue,
      boolean mismatch) {}

  /** What was read and what could not be used, with why. */
  public record Counts(long impressions, long feedback, long feedbackUnknownRequest, long feedbackItemNotShown, long impressionsOutsideArms,
      long usersInBothArms, long tornLines) {}

  /** The whole report (written as JSON with {@link #FORMAT}). */
  public record Report(String experiment, double share, double confidence, String impressions, String feedback, long firstMs, long lastMs,
      List<ArmResult> arms, List<Difference> differences, Srm srm, Counts counts, List<String> warnings, String peeking) {

    /** The arm's result by name. */
    public ArmResult arm(String name) {
      return arms.stream().filter(a -> a.arm().equals(name)).findFirst().orElseThrow();
    }

    /** The difference for an event. */
    public Difference difference(String event) {
      return differences.stream().filter(d -> d.event().equals(event)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no event '" + event + "' in the report"));
    }
  }

  /** Per-user sums in one arm. */
  private static final class Unit {
    long impressions;
    final Map<String, long[]> events = new HashMap<>();
    final Map<String, double[]> values = new HashMap<>();
  }

  /** An impression as the join needs it. */
  private record Shown(int arm, String user, String[] items) {}

  private AbReport() {}

  /**
   * Reads both logs (every segment, those still being written included) and computes the report.
   *
   * @param confidence the intervals' confidence, e.g. 0.95
   * @throws IllegalArgumentException if the impressions hold no experiment, or more than one
   * @throws dev.tandem.fs.CorruptDataException naming the file and line of a damaged record
   * @throws IOException if a log cannot be read
   */
  public static Report read(Path impressionsDir, Path feedbackDir, double confidence) throws IOException {
    if (!(confidence > 0.5 && confidence < 1)) {
      throw new IllegalArgumentException("the confidence must be between 0.5 and 1, was " + confidence);
    }
    ServingConfig.Impressions layouts = ServingConfig.defaults().impressions(); // reading does not depend on rolling
    String[] arms = {Arm.CONTROL.value(), Arm.CHALLENGER.value()};
    List<Map<String, Unit>> units = List.of(new HashMap<>(), new HashMap<>());
    List<Map<String, Long>> versions = List.of(new TreeMap<>(), new TreeMap<>());
    Map<String, Shown> byId = new HashMap<>();
    TreeSet<String> experiments = new TreeSet<>();
    TreeSet<Double> shares = new TreeSet<>();
    long[] first = {Long.MAX_VALUE};
    long[] last = {Long.MIN_VALUE};
    long[] outside = {0};
    EventLog.Replayed ri = EventLog.readAll(impressionsDir, Tracking.impressionLayout(layouts), (line, where) -> {
      JsonNode n = tree(line);
      String arm = n.path("arm").asText(null);
      int a = arm == null ? -1 : arm.equals(arms[0]) ? 0 : arm.equals(arms[1]) ? 1 : -1;
      if (a < 0) {
        outside[0]++;
        return;
      }
      if (!n.hasNonNull("request_id") || !n.hasNonNull("user") || !n.path("items").isArray()) {
        throw new IllegalArgumentException("an impression needs request_id, user and items");
      }
      experiments.add(n.path("experiment").asText(""));
      if (n.hasNonNull("share")) {
        shares.add(n.get("share").asDouble());
      }
      long t = n.path("time_ms").asLong();
      first[0] = Math.min(first[0], t);
      last[0] = Math.max(last[0], t);
      String user = n.get("user").asText();
      units.get(a).computeIfAbsent(user, u -> new Unit()).impressions++;
      versions.get(a).merge(n.path("model").asText() + " v" + n.path("version").asInt(), 1L, Long::sum);
      JsonNode items = n.get("items");
      String[] shown = new String[items.size()];
      for (int i = 0; i < shown.length; i++) {
        shown[i] = items.get(i).path("item").asText();
      }
      byId.put(n.get("request_id").asText(), new Shown(a, user, shown));
    });
    if (byId.isEmpty()) {
      throw new IllegalArgumentException(Fs.shown(impressionsDir) + " holds no impression of an experiment arm (control or challenger)"
          + (outside[0] > 0 ? "; " + outside[0] + " impression(s) outside an experiment" : ""));
    }
    if (experiments.size() > 1 || shares.size() > 1) {
      throw new IllegalArgumentException(Fs.shown(impressionsDir) + " mixes experiments " + experiments + " / shares " + shares
          + ": report each from a directory of its own");
    }
    if (shares.isEmpty()) {
      throw new IllegalArgumentException(Fs.shown(impressionsDir) + ": the impressions do not say the challenger's share");
    }
    double share = shares.first();

    TreeSet<String> events = new TreeSet<>();
    long[] fb = new long[3]; // read, unknown request, item not shown
    List<String> columns = List.of(Tracking.FEEDBACK_HEADER.split(","));
    int cId = columns.indexOf("request_id");
    int cItem = columns.indexOf("item");
    int cEvent = columns.indexOf("event");
    int cValue = columns.indexOf("value");
    EventLog.Replayed rf = EventLog.readAll(feedbackDir, Tracking.feedbackLayout(layouts), (line, where) -> {
      String[] row = Tracking.feedbackRow(line);
      fb[0]++;
      Shown s = byId.get(row[cId]);
      if (s == null) {
        fb[1]++;
        return;
      }
      boolean wasShown = false;
      for (String item : s.items()) {
        wasShown |= item.equals(row[cItem]);
      }
      if (!wasShown) {
        fb[2]++;
        return;
      }
      double value;
      try {
        value = Double.parseDouble(row[cValue]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("value '" + row[cValue] + "' is not a number");
      }
      String event = row[cEvent];
      events.add(event);
      Unit u = units.get(s.arm()).get(s.user());
      u.events.computeIfAbsent(event, k -> new long[1])[0]++;
      u.values.computeIfAbsent(event, k -> new double[1])[0] += value;
    });

    NormalDistribution normal = new NormalDistribution(null, 0, 1); // no random generator: only the CDF is used
    double z = normal.inverseCumulativeProbability(0.5 + confidence / 2);
    List<ArmResult> results = new ArrayList<>();
    double[][][] est = new double[2][][]; // arm, event -> {rate, var, value, valueVar}
    List<String> eventList = new ArrayList<>(events);
    for (int a = 0; a < 2; a++) {
      Map<String, Rate> rates = new LinkedHashMap<>();
      est[a] = new double[eventList.size()][];
      long impressions = units.get(a).values().stream().mapToLong(u -> u.impressions).sum();
      for (int e = 0; e < eventList.size(); e++) {
        String ev = eventList.get(e);
        double[] count = ratio(units.get(a), u -> u.events.containsKey(ev) ? u.events.get(ev)[0] : 0);
        double[] value = ratio(units.get(a), u -> u.values.containsKey(ev) ? u.values.get(ev)[0] : 0);
        est[a][e] = new double[] {count[0], count[1], value[0], value[1]};
        long n = units.get(a).values().stream().mapToLong(u -> u.events.containsKey(ev) ? u.events.get(ev)[0] : 0).sum();
        rates.put(ev, new Rate(n, count[0], count[0] - z * Math.sqrt(count[1]), count[0] + z * Math.sqrt(count[1]), value[0],
            value[0] - z * Math.sqrt(value[1]), value[0] + z * Math.sqrt(value[1])));
      }
      results.add(new ArmResult(arms[a], units.get(a).size(), impressions, versions.get(a), rates));
    }
    List<Difference> diffs = new ArrayList<>();
    for (int e = 0; e < eventList.size(); e++) {
      double d = est[1][e][0] - est[0][e][0];
      double se = Math.sqrt(est[0][e][1] + est[1][e][1]);
      double p = se > 0 ? 2 * normal.cumulativeProbability(-Math.abs(d) / se) : d == 0 ? 1 : 0;
      double dv = est[1][e][2] - est[0][e][2];
      double sev = Math.sqrt(est[0][e][3] + est[1][e][3]);
      double pv = sev > 0 ? 2 * normal.cumulativeProbability(-Math.abs(dv) / sev) : dv == 0 ? 1 : 0;
      diffs.add(new Difference(eventList.get(e), d, d - z * se, d + z * se, est[0][e][0] > 0 ? d / est[0][e][0] : Double.NaN, p,
          p < 1 - confidence, dv, dv - z * sev, dv + z * sev, pv));
    }
    Srm srm = srm(units.get(0).size(), units.get(1).size(), share);
    long both = units.get(0).keySet().stream().filter(units.get(1)::containsKey).count();
    List<String> warnings = new ArrayList<>();
    if (srm.mismatch()) {
      warnings.add(String.format("sample ratio mismatch: %.2f%% of users in the challenger arm, %.2f%% configured (chi-square %.1f,"
          + " p = %.2g): the assignment or the logging is broken; do not trust the differences", 100 * srm.observedShare(),
          100 * share, srm.chiSquare(), srm.pValue()));
    }
    if (both > 0) {
      warnings.add(both + " user(s) were served by both arms: the assignment changed during the experiment (a new salt or share?)");
    }
    for (int a = 0; a < 2; a++) {
      if (versions.get(a).size() > 1) {
        warnings.add("the " + arms[a] + " arm was served by several versions " + versions.get(a).keySet() + ": its numbers mix them");
      }
    }
    if (fb[1] > 0) {
      warnings.add(fb[1] + " feedback row(s) name a request id in no impression (lost with an unsynced batch, or from elsewhere):"
          + " left out");
    }
    if (events.isEmpty()) {
      warnings.add("no feedback was attributed to an impression: no rates to compare");
    }
    Counts counts = new Counts(byId.size(), fb[0], fb[1], fb[2], outside[0], both, ri.tornLines() + rf.tornLines());
    return new Report(experiments.first(), share, confidence, Fs.shown(impressionsDir), Fs.shown(feedbackDir), first[0], last[0],
        results, diffs, srm, counts, warnings, PEEKING);
  }

  /** Chi-square goodness of fit (1 degree of freedom) of users per arm against the configured share. */
  public static Srm srm(long control, long challenger, double share) {
    long n = control + challenger;
    double expC = n * (1 - share);
    double expT = n * share;
    double chi = n == 0 ? 0 : (control - expC) * (control - expC) / expC + (challenger - expT) * (challenger - expT) / expT;
    // one degree of freedom: chi-square is the square of a standard normal, so P(X > chi) = 2 Φ(-√chi), which keeps its
    // precision far into the tail where 1 - CDF(chi) would round to 0
    double p = n == 0 ? 1 : 2 * new NormalDistribution(null, 0, 1).cumulativeProbability(-Math.sqrt(chi));
    return new Srm(control, challenger, share, n == 0 ? Double.NaN : (double) challenger / n, chi, p, p < SRM_ALPHA);
  }

  /** The ratio Σx / Σimpressions over users and its delta-method variance: {rate, variance}. */
  private static double[] ratio(Map<String, Unit> units, java.util.function.ToDoubleFunction<Unit> x) {
    int n = units.size();
    if (n == 0) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double sx = 0;
    double sn = 0;
    for (Unit u : units.values()) {
      sx += x.applyAsDouble(u);
      sn += u.impressions;
    }
    double mx = sx / n;
    double mn = sn / n;
    double r = sx / sn;
    if (n < 2) {
      return new double[] {r, Double.NaN};
    }
    double vx = 0;
    double vn = 0;
    double cxn = 0;
    for (Unit u : units.values()) {
      double dx = x.applyAsDouble(u) - mx;
      double dn = u.impressions - mn;
      vx += dx * dx;
      vn += dn * dn;
      cxn += dx * dn;
    }
    vx /= n - 1;
    vn /= n - 1;
    cxn /= n - 1;
    return new double[] {r, Math.max(0, vx - 2 * r * cxn + r * r * vn) / (n * mn * mn)};
  }

  private static JsonNode tree(String line) {
    try {
      return Persisted.json().readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  /** The report as the JSON file {@code tandem ab report --json} writes. */
  public static byte[] json(Report r) {
    return Persisted.write(r, FORMAT);
  }
}
