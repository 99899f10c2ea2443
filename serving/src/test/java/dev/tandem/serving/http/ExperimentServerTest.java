package dev.tandem.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.ChallengerWatch;
import dev.tandem.serving.Fixtures;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.bundle.BundleExporter;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.experiment.Arm;
import dev.tandem.serving.experiment.Assignment;
import dev.tandem.serving.experiment.ExperimentRecommender;
import dev.tandem.serving.experiment.Tracking;
import dev.tandem.serving.history.EventLog;
import dev.tandem.serving.registry.FsModelRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An experiment on loopback: users go to the arm their salted hash says, every time; answers and /metrics say which arm
 * and version served; every answer is in the impression log; feedback is matched or counted; a new challenger promoted
 * in the registry is swapped in without a restart.
 */
class ExperimentServerTest {
  @TempDir
  Path dir;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(RecommendServer s, String q) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(s.uri() + q)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(RecommendServer s, String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(s.uri() + path)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return Persisted.json().readTree(r.body());
  }

  @Test
  void usersKeepTheirArmAnswersAreLoggedFeedbackIsTakenAndTheChallengerIsSwappedLive() throws Exception {
    Fixtures.Runs runs = Fixtures.runs();
    FsModelRegistry registry = FsModelRegistry.at(dir.resolve("registry").toString());
    BundleExporter.Request export = new BundleExporter.Request(runs.twoTower().root().toString(), "best", runs.ranking().root().toString(),
        "best", null, null);
    BundleExporter.export(registry, "recs", export); // v1: control
    BundleExporter.export(registry, "recs", export); // v2: the first challenger
    registry.promote("recs", "staging", 2);
    Assignment assignment = Assignment.salted("ab1", 0.5);
    ExperimentRecommender exp = new ExperimentRecommender("ab1", 0.5, assignment,
        new BundleRecommender(ServingBundle.load(registry, "recs", "v1")), new BundleRecommender(ServingBundle.load(registry, "recs", "v2")));
    ServingConfig.Impressions cfg = new ServingConfig.Impressions(16, 20, null, null, null, null);
    org.apache.hadoop.fs.Path impDir = Fs.path(dir.resolve("impressions").toString());
    Tracking tracking = Tracking.open(impDir, Fs.path(dir.resolve("feedback").toString()), cfg, "ab1", 0.5);
    RecommendServer server = RecommendServer.start(exp, tracking, "127.0.0.1", 0, RecommendServer.Settings.defaults(2));
    List<String> ids = new ArrayList<>();
    Map<String, String> armOf = new HashMap<>();
    try (ChallengerWatch watch = new ChallengerWatch(exp, registry, "recs", "staging")) {
      assertThat(watch.check()).isFalse(); // staging is v2 already
      int users = 120;
      for (int round = 0; round < 2; round++) {
        for (int u = 0; u < users; u++) {
          String user = "u" + u;
          JsonNode a = json(get(server, "/recommend?user=" + user + "&k=5"));
          String arm = a.get("arm").asText();
          assertThat(arm).isEqualTo(assignment.arm(user).value());
          assertThat(a.get("version").asInt()).isEqualTo(arm.equals("control") ? 1 : 2);
          assertThat(a.has("explain")).isFalse(); // computed for the log, not asked for
          String before = armOf.putIfAbsent(user, arm);
          assertThat(before == null || before.equals(arm)).as(user).isTrue();
          ids.add(a.get("request_id").asText());
        }
      }
      assertThat(armOf.values()).contains("control", "challenger");
      JsonNode explained = json(get(server, "/recommend?user=u1&k=3&explain=true"));
      assertThat(explained.get("explain").get("features").has("country")).isTrue();
      ids.add(explained.get("request_id").asText());

      JsonNode first = json(get(server, "/recommend?user=u7&k=2"));
      ids.add(first.get("request_id").asText());
      HttpResponse<String> fb = post(server, "/feedback", "[{\"request_id\": \"" + first.get("request_id").asText() + "\", \"item\": \""
          + first.get("items").get(0).asText() + "\", \"event\": \"click\"}, {\"request_id\": \"lost-123\", \"item\": \"i1\", \"event\": \"click\"}]");
      assertThat(fb.statusCode()).isEqualTo(200);
      assertThat(json(fb).get("accepted").asInt()).isEqualTo(2);
      assertThat(json(fb).get("unmatched").asInt()).isEqualTo(1);
      HttpResponse<String> bad = post(server, "/feedback", "{\"request_id\": \"x\", \"item\": \"i1\"}");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(json(bad).get("field").asText()).isEqualTo("event");

      // a new challenger: published and promoted to staging, picked up without a restart
      BundleExporter.export(registry, "recs", export);
      registry.promote("recs", "staging", 3);
      assertThat(watch.check()).isTrue();
      String challengerUser = armOf.entrySet().stream().filter(e -> e.getValue().equals("challenger")).findFirst().orElseThrow().getKey();
      JsonNode swapped = json(get(server, "/recommend?user=" + challengerUser + "&k=5"));
      assertThat(swapped.get("version").asInt()).isEqualTo(3);
      ids.add(swapped.get("request_id").asText());
      assertThat(exp.arm(Arm.CONTROL).version()).isEqualTo(1);

      String metrics = get(server, "/metrics").body();
      assertThat(metrics).contains("tandem_experiment_answers_total{arm=\"challenger\",version=\"2\"}")
          .contains("tandem_experiment_answers_total{arm=\"challenger\",version=\"3\"} 1.0")
          .contains("tandem_experiment_arm_version{arm=\"challenger\",experiment=\"ab1\",model=\"recs\"} 3.0")
          .contains("tandem_feedback_total{match=\"unmatched\"} 1.0")
          .contains("tandem_experiment_challenger_swaps_total 1.0");
      JsonNode health = json(get(server, "/health"));
      assertThat(health.get("experiment").get("challenger").asText()).isEqualTo("recs v3");
    } finally {
      server.close();
      tracking.close();
      exp.close();
    }
    assertThat(tracking.impressionCounts().written()).isEqualTo(ids.size());
    List<String> logged = new ArrayList<>();
    EventLog.readAll(impDir, Tracking.impressionLayout(cfg), (line, where) -> {
      try {
        logged.add(Persisted.json().readTree(line).get("request_id").asText());
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    });
    assertThat(logged).containsExactlyInAnyOrderElementsOf(ids);
  }
}
