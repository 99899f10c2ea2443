package dev.tandem.serving.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.fs.Fs;
import dev.tandem.serving.RecommendationPath;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.history.EventLog;
import dev.tandem.serving.history.ServedEvent.MalformedEventException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The impression and feedback logs: what a record holds, batching and rolling, feedback matched to its answer or counted. */
class TrackingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  Path dir;

  static Recommendations answer(String user, String arm, List<String> items) {
    List<Double> scores = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      scores.add(1.0 - 0.1 * i);
    }
    return new Recommendations("recs", arm.equals("control") ? 1 : 2, user, RecommendationPath.KNOWN, items, scores, List.of(items.get(1)),
        false, List.of(), new Recommendations.Explanation(Map.of("country", "de", "device", "tv"), "exact", 50, 0, true, List.of(), 1,
        Map.of())).withArm(arm);
  }

  static JsonNode tree(String line) {
    try {
      return JSON.readTree(line);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static List<JsonNode> impressions(org.apache.hadoop.fs.Path d, ServingConfig.Impressions cfg) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    EventLog.readAll(d, Tracking.impressionLayout(cfg), (line, where) -> out.add(tree(line)));
    return out;
  }

  @Test
  void everyAnswerIsLoggedWithItsFeaturesAndFeedbackIsMatchedToIt() throws Exception {
    ServingConfig.Impressions cfg = new ServingConfig.Impressions(4, 50, null, null, null, null);
    org.apache.hadoop.fs.Path imp = Fs.path(dir.resolve("impressions").toString());
    org.apache.hadoop.fs.Path fb = Fs.path(dir.resolve("feedback").toString());
    String id;
    String other;
    try (Tracking t = Tracking.open(imp, fb, cfg, "exp1", 0.25)) {
      Recommendations r = t.logged(answer("u1", "challenger", List.of("i3", "i9", "i4")));
      id = r.requestId();
      other = t.logged(answer("u2", "control", List.of("i1", "i2"))).requestId();
      assertThat(id).isNotEqualTo(other);
      assertThat(r.arm()).isEqualTo("challenger");
      Tracking.Receipt receipt = t.feedback(("[{\"request_id\": \"" + id + "\", \"item\": \"i9\", \"event\": \"click\", \"time\": 1700000000},"
          + "{\"request_id\": \"" + id + "\", \"item\": \"i4\", \"event\": \"watch\", \"value\": 42.5},"
          + "{\"request_id\": \"nobody-knows\", \"item\": \"i4\", \"event\": \"click\", \"user\": \"u9\"},"
          + "{\"request_id\": \"" + other + "\", \"item\": \"i77\", \"event\": \"rating\", \"value\": 4}]").getBytes(StandardCharsets.UTF_8),
          1_700_000_100L);
      assertThat(receipt).isEqualTo(new Tracking.Receipt(4, 1, 1));
      assertThat(t.feedbackCounts()).containsExactly(4, 1, 1);
      assertThatThrownBy(() -> t.feedback(("{\"request_id\": \"" + id + "\", \"item\": \"i9\", \"event\": \"click\", \"user\": \"u2\"}")
          .getBytes(StandardCharsets.UTF_8), 0)).isInstanceOf(MalformedEventException.class).hasMessageContaining("'u1'");
      assertThatThrownBy(() -> t.feedback("{\"request_id\": \"x\", \"item\": \"i9\", \"event\": \"Click!\"}".getBytes(StandardCharsets.UTF_8), 0))
          .isInstanceOf(MalformedEventException.class).hasMessageContaining("event");
      assertThatThrownBy(() -> t.feedback("{\"request_id\": \"x\", \"item\": \"i9\", \"event\": \"click\", \"colour\": 1}"
          .getBytes(StandardCharsets.UTF_8), 0)).isInstanceOf(MalformedEventException.class).hasMessageContaining("colour");
    }
    List<JsonNode> logged = impressions(imp, cfg);
    assertThat(logged).hasSize(2);
    JsonNode first = logged.get(0);
    assertThat(first.get("request_id").asText()).isEqualTo(id);
    assertThat(first.get("experiment").asText()).isEqualTo("exp1");
    assertThat(first.get("arm").asText()).isEqualTo("challenger");
    assertThat(first.get("version").asInt()).isEqualTo(2);
    assertThat(first.get("user").asText()).isEqualTo("u1");
    assertThat(first.get("share").asDouble()).isEqualTo(0.25);
    assertThat(first.get("items").get(1).get("item").asText()).isEqualTo("i9");
    assertThat(first.get("items").get(1).get("position").asInt()).isEqualTo(2);
    assertThat(first.get("items").get(1).get("explore").asBoolean()).isTrue();
    assertThat(first.get("items").get(2).get("score").asDouble()).isEqualTo(0.8);
    assertThat(first.get("features").get("country").asText()).isEqualTo("de");

    List<String> rows = new ArrayList<>();
    EventLog.readAll(fb, Tracking.feedbackLayout(cfg), (line, where) -> rows.add(line));
    assertThat(rows).containsExactly(
        "1700000000," + id + ",u1,i9,click,1,1,0,0,challenger,recs,2,2,true",
        "1700000100," + id + ",u1,i4,watch,42.5,0,42.5,0,challenger,recs,2,3,true",
        "1700000100,nobody-knows,u9,i4,click,1,1,0,0,,,,,false",
        "1700000100," + other + ",u2,i77,rating,4,0,0,4,control,recs,1,,true");
    assertThat(EventLog.segments(fb, Tracking.feedbackLayout(cfg)).get(0).getName()).endsWith(".csv");
  }

  @Test
  void recordsAreSyncedInBatchesSegmentsRollAndNothingIsLostOnClose() throws Exception {
    ServingConfig.Impressions cfg = new ServingConfig.Impressions(8, 5, null, null, null, null);
    org.apache.hadoop.fs.Path d = Fs.path(dir.resolve("log").toString());
    EventLog.Layout rollEvery2k = new EventLog.Layout("impressions", "jsonl", null, 2048, Long.MAX_VALUE);
    int n = 500;
    ImpressionLog.Counts counts;
    try (ImpressionLog log = ImpressionLog.open(d, rollEvery2k, cfg.batch(), cfg.flushMillis())) {
      for (int i = 0; i < n; i++) {
        log.append("{\"n\": " + i + ", \"pad\": \"" + "x".repeat(40) + "\"}");
        assertThat(log.counts().unsynced()).isLessThanOrEqualTo(8);
      }
      log.close();
      counts = log.counts();
      log.append("{\"n\": -1}"); // after close: dropped and counted
      assertThat(log.counts().dropped()).isEqualTo(1);
    }
    assertThat(counts.written()).isEqualTo(n);
    assertThat(counts.unsynced()).isZero();
    assertThat(counts.syncs()).isGreaterThanOrEqualTo(n / 8).isLessThan(n);
    assertThat(counts.rolls()).isGreaterThan(5);
    List<Integer> read = new ArrayList<>();
    EventLog.Replayed r = EventLog.readAll(d, rollEvery2k, (line, where) -> read.add(tree(line).get("n").asInt()));
    assertThat(r.segments()).isEqualTo(counts.rolls() + 1);
    assertThat(read).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(read.get(i)).isEqualTo(i); // one writer: the log keeps the order records were taken in
    }
  }
}
