package dev.tandem.serving.experiment;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.history.EventLog;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * What users were shown, with what they did with it: the impression log joined with the feedback log, one CSV row per
 * item of every answer (columns {@link #HEADER}), so a retrain sees the items users ignored as well as those they acted
 * on. {@code clicks} counts the clicks on that item of that answer, {@code watch_seconds} sums the watch feedback,
 * {@code rating} is the last rating (0: none). {@code tandem data prepare} reads the file as an event log
 * ({@code examples/exposures-events.yaml}).
 */
public final class Exposures {
  /** The columns of the exposure log. */
  public static final String HEADER = "time,request_id,user,item,position,arm,model,version,experiment,clicks,watch_seconds,rating";

  /**
   * What was joined: impressions read, rows written, feedback rows read, and the (request id, item) pairs with feedback
   * that no impression showed (feedback for an answer whose impression was lost, or for an item it did not hold).
   */
  public record Written(long impressions, long rows, long feedback, long feedbackUnmatched) {}

  private Exposures() {}

  /**
   * Writes the exposure log of the two logs to {@code out} (atomically).
   *
   * @throws dev.tandem.fs.CorruptDataException naming the file and line of a damaged record
   * @throws IOException if a log cannot be read or {@code out} written
   */
  public static Written write(Path impressionsDir, Path feedbackDir, Path out) throws IOException {
    ServingConfig.Impressions layouts = ServingConfig.defaults().impressions();
    Map<String, Map<String, double[]>> acted = new HashMap<>(); // request id -> item -> {clicks, watch seconds, rating}
    List<String> columns = List.of(Tracking.FEEDBACK_HEADER.split(","));
    int cId = columns.indexOf("request_id");
    int cItem = columns.indexOf("item");
    int cEvent = columns.indexOf("event");
    int cValue = columns.indexOf("value");
    long[] feedback = {0};
    EventLog.readAll(feedbackDir, Tracking.feedbackLayout(layouts), (line, where) -> {
      String[] row = Tracking.feedbackRow(line);
      feedback[0]++;
      double value;
      try {
        value = Double.parseDouble(row[cValue]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("value '" + row[cValue] + "' is not a number");
      }
      double[] a = acted.computeIfAbsent(row[cId], k -> new HashMap<>()).computeIfAbsent(row[cItem], k -> new double[3]);
      switch (row[cEvent]) {
        case "click" -> a[0] += value;
        case "watch" -> a[1] += value;
        case "rating" -> a[2] = value;
        default -> { } // other events do not change these columns
      }
    });
    long[] counts = new long[3]; // impressions, rows, feedback matched to a shown item
    CsvSchema schema = CsvSchema.emptySchema().withoutHeader();
    Fs.writeAtomically(out, stream -> {
      Writer w = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
      w.write(HEADER + "\n");
      CsvMapper mapper = new CsvMapper();
      mapper.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false); // the atomic writer syncs and closes the stream itself
      try (SequenceWriter rows = mapper.writer(schema).writeValues(w)) {
        EventLog.readAll(impressionsDir, Tracking.impressionLayout(layouts), (line, where) -> {
          JsonNode n;
          try {
            n = Persisted.json().readTree(line);
          } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage().lines().findFirst().orElse(""));
          }
          String id = n.path("request_id").asText();
          Map<String, double[]> done = acted.getOrDefault(id, Map.of());
          counts[0]++;
          for (JsonNode shown : n.path("items")) {
            String item = shown.path("item").asText();
            double[] a = done.getOrDefault(item, new double[3]);
            try {
              rows.write(new Object[] {n.path("time_ms").asLong() / 1000, id, n.path("user").asText(), item, shown.path("position").asInt(),
                  n.path("arm").asText(""), n.path("model").asText(""), n.path("version").asInt(), n.path("experiment").asText(""),
                  num(a[0]), num(a[1]), num(a[2])});
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
            counts[1]++;
            if (done.containsKey(item)) {
              counts[2]++;
            }
          }
        });
      }
      w.flush();
    });
    long matched = 0;
    for (Map<String, double[]> m : acted.values()) {
      matched += m.size();
    }
    return new Written(counts[0], counts[1], feedback[0], Math.max(0, matched - counts[2]));
  }

  private static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
