package dev.tandem.serving.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tandem.format.Persisted;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.history.EventLog;
import dev.tandem.serving.history.ServedEvent.MalformedEventException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.hadoop.fs.Path;

/**
 * What was shown and what users did with it: every answer gets a request id and a record in the impression log
 * (batched, see {@link ImpressionLog}), and {@code POST /feedback} appends what a user did with an item of an answer to
 * the feedback log (synced before it is acknowledged, as posted events are).
 *
 * <p><b>The impression log</b>: JSON lines ({@code impressions-<millis>-<random>.jsonl}), one per answer:
 * {@code format}, {@code request_id}, {@code time_ms}, {@code experiment}, {@code arm}, {@code share} (the challenger's
 * configured share), {@code model}, {@code version}, {@code user}, {@code path}, {@code cached}, {@code items} (each
 * {@code item}, {@code position} from 1, {@code score}, {@code explore}) and {@code features}: the raw attributes the
 * user's row was encoded from (the bundle's for a known user, the request's for another) and the request's context.
 *
 * <p><b>The feedback log</b>: CSV with a header ({@code feedback-<millis>-<random>.csv}), one row per feedback, columns
 * {@link #FEEDBACK_HEADER}; {@code click}, {@code watch_seconds} and {@code rating} hold the value for feedback of that
 * event ({@code click}, {@code watch}, {@code rating}) and 0 otherwise, so {@code tandem data prepare} reads the
 * directory as an event log with those outcome columns. The answer a request id names is looked up among the answers
 * this server remembers ({@code impressions.remember}); feedback for a request id it does not know is logged all the
 * same, with {@code matched} false and the user the client sent (if any), and counted.
 *
 * <p>Thread-safe. Whoever opens it closes it.
 */
public final class Tracking implements Closeable {
  /** The impression records' format version. */
  public static final int IMPRESSION_FORMAT = 1;
  /** The feedback log's columns. */
  public static final String FEEDBACK_HEADER = "time,request_id,user,item,event,value,click,watch_seconds,rating,arm,model,version,"
      + "position,matched";
  private static final ObjectMapper JSON = Persisted.json();
  private static final ObjectReader FEEDBACK_ROW = new CsvMapper()
      .enable(CsvParser.Feature.WRAP_AS_ARRAY).readerFor(String[].class);
  private static final int FEEDBACK_COLUMNS = FEEDBACK_HEADER.split(",").length;

  /**
   * One line of the feedback log split into its {@link #FEEDBACK_HEADER} columns, for readers of the log.
   *
   * @throws IllegalArgumentException saying what is wrong with the line (the caller names the file and line)
   */
  static String[] feedbackRow(String line) {
    String[] row;
    try (MappingIterator<String[]> it = FEEDBACK_ROW.readValues(line)) {
      row = it.next();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a CSV row: " + e.getMessage());
    }
    if (row.length != FEEDBACK_COLUMNS) {
      throw new IllegalArgumentException("has " + row.length + " columns, the feedback log has " + FEEDBACK_COLUMNS);
    }
    return row;
  }
  private static final CsvMapper CSV = new CsvMapper();
  private static final CsvSchema ROW = CsvSchema.emptySchema().withoutHeader().withLineSeparator("");

  private final ImpressionLog impressions;
  private final EventLog feedback;
  private final String experiment;
  private final Double share;
  private final Cache<String, Answered> answered;
  private final String idPrefix;
  private final AtomicLong ids = new AtomicLong();
  private final LongAdder feedbackAccepted = new LongAdder();
  private final LongAdder feedbackUnmatched = new LongAdder();
  private final LongAdder feedbackNotShown = new LongAdder();

  /** An answer as remembered for feedback. */
  private record Answered(String user, String arm, String model, int version, List<String> items) {}

  /** One answer as logged. */
  record Impression(int format, String requestId, long timeMs, String experiment, String arm, Double share, String model, int version,
      String user, String path, boolean cached, List<Shown> items, Map<String, String> features) {}

  /** One item of an answer as logged. */
  record Shown(String item, int position, double score, boolean explore) {}

  /**
   * What {@code POST /feedback} recorded: feedback rows accepted, those whose request id this server did not remember,
   * and those whose item was not in the answer.
   */
  public record Receipt(int accepted, int unmatched, int notShown) {}

  private Tracking(ImpressionLog impressions, EventLog feedback, ServingConfig.Impressions cfg, String experiment, Double share) {
    this.impressions = impressions;
    this.feedback = feedback;
    this.experiment = experiment;
    this.share = share;
    this.answered = Caffeine.newBuilder().maximumSize(cfg.remember()).expireAfterWrite(Duration.ofMinutes(cfg.rememberMinutes())).build();
    byte[] r = new byte[6];
    new SecureRandom().nextBytes(r);
    StringBuilder sb = new StringBuilder();
    for (byte b : r) {
      sb.append(String.format("%02x", b));
    }
    this.idPrefix = sb.append('-').toString();
  }

  /** The impression log's layout with {@code cfg}'s rolling. */
  public static EventLog.Layout impressionLayout(ServingConfig.Impressions cfg) {
    return new EventLog.Layout("impressions", "jsonl", null, cfg.rollMb() * (1L << 20), cfg.rollMinutes() * 60_000L);
  }

  /** The feedback log's layout with {@code cfg}'s rolling. */
  public static EventLog.Layout feedbackLayout(ServingConfig.Impressions cfg) {
    return new EventLog.Layout("feedback", "csv", FEEDBACK_HEADER, cfg.rollMb() * (1L << 20), cfg.rollMinutes() * 60_000L);
  }

  /**
   * Opens both logs (directories created if missing; each start writes segments of its own).
   *
   * @param experiment the experiment's name, or null outside an experiment
   * @param share      the challenger's share, or null outside an experiment
   * @throws IOException if a log cannot be opened
   */
  public static Tracking open(Path impressionsDir, Path feedbackDir, ServingConfig.Impressions cfg, String experiment, Double share)
      throws IOException {
    ImpressionLog imp = ImpressionLog.open(impressionsDir, impressionLayout(cfg), cfg.batch(), cfg.flushMillis());
    try {
      return new Tracking(imp, EventLog.open(feedbackDir, feedbackLayout(cfg)), cfg, experiment, share);
    } catch (IOException | RuntimeException e) {
      imp.close();
      throw e;
    }
  }

  /**
   * Logs an answer and returns it under its new request id. {@code r} must carry its explanation (the features logged come
   * from it); the caller strips it if the client did not ask for it.
   */
  public Recommendations logged(Recommendations r) {
    String id = idPrefix + Long.toString(ids.incrementAndGet(), 36);
    List<Shown> shown = new ArrayList<>(r.items().size());
    for (int i = 0; i < r.items().size(); i++) {
      String item = r.items().get(i);
      shown.add(new Shown(item, i + 1, r.scores().get(i), r.exploration().contains(item)));
    }
    Map<String, String> features = r.explain() == null ? Map.of() : r.explain().features();
    Impression rec = new Impression(IMPRESSION_FORMAT, id, System.currentTimeMillis(), experiment, r.arm(), share, r.model(), r.version(),
        r.user(), r.path().value(), r.cached(), shown, features);
    String line;
    try {
      line = JSON.writeValueAsString(rec);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    impressions.append(line);
    answered.put(id, new Answered(r.user(), r.arm(), r.model(), r.version(), r.items()));
    return r.withRequestId(id);
  }

  /**
   * {@code POST /feedback}: one feedback object, a JSON array of them, or {@code {"feedback": [...]}}; every one is
   * validated before any is logged, and the answer returns once they are durable in the feedback log.
   *
   * @throws MalformedEventException naming the field at fault (nothing is logged)
   * @throws IOException if the feedback log cannot be written (the feedback must be taken as not recorded)
   */
  public Receipt feedback(byte[] body, long now) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw new MalformedEventException("body", "is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    List<Feedback> items = new ArrayList<>();
    if (root != null && root.isObject() && root.has("feedback") && root.size() == 1) {
      root = root.get("feedback");
      if (!root.isArray()) {
        throw new MalformedEventException("feedback", "must be a JSON array of feedback objects");
      }
    }
    if (root != null && root.isArray()) {
      for (int i = 0; i < root.size(); i++) {
        items.add(Feedback.parse(root.get(i), "feedback[" + i + "].", now));
      }
    } else {
      items.add(Feedback.parse(root, "", now));
    }
    if (items.isEmpty()) {
      throw new MalformedEventException("feedback", "is empty");
    }
    List<String> rows = new ArrayList<>(items.size());
    int unmatched = 0;
    int notShown = 0;
    for (int i = 0; i < items.size(); i++) {
      Feedback f = items.get(i);
      Answered a = answered.getIfPresent(f.requestId());
      String prefix = items.size() > 1 || root.isArray() ? "feedback[" + i + "]." : "";
      if (a != null && f.user() != null && !f.user().equals(a.user())) {
        throw new MalformedEventException(prefix + "user", "request " + f.requestId() + " was answered for user '" + a.user() + "', not '"
            + f.user() + "'");
      }
      int position = a == null ? -1 : a.items().indexOf(f.item()) + 1;
      if (a == null) {
        unmatched++;
      } else if (position == 0) {
        notShown++;
      }
      rows.add(row(f, a, position));
    }
    feedback.append(rows);
    feedbackAccepted.add(items.size());
    feedbackUnmatched.add(unmatched);
    feedbackNotShown.add(notShown);
    return new Receipt(items.size(), unmatched, notShown);
  }

  private static String row(Feedback f, Answered a, int position) {
    Object[] cells = {f.time(), f.requestId(), a != null ? a.user() : f.user() != null ? f.user() : "", f.item(), f.event(), num(f.value()),
        num(f.event().equals("click") ? f.value() : 0), num(f.event().equals("watch") ? f.value() : 0),
        num(f.event().equals("rating") ? f.value() : 0), a == null || a.arm() == null ? "" : a.arm(), a == null ? "" : a.model(),
        a == null ? "" : Integer.toString(a.version()), position > 0 ? Integer.toString(position) : "", a != null};
    try {
      return CSV.writer(ROW).writeValueAsString(cells);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  /** Counts of the impression log (written, dropped, waiting, syncs). */
  public ImpressionLog.Counts impressionCounts() {
    return impressions.counts();
  }

  /** Feedback rows accepted, unmatched (request id not remembered) and about items the answer did not hold. */
  public long[] feedbackCounts() {
    return new long[] {feedbackAccepted.sum(), feedbackUnmatched.sum(), feedbackNotShown.sum()};
  }

  /** Syncs the waiting impressions and closes both logs. */
  @Override
  public void close() throws IOException {
    try {
      impressions.close();
    } finally {
      feedback.close();
    }
  }
}
