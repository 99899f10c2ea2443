package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with history features through the CLI: export ships its history, recommend --events applies a file of events
 * (CSV or JSON lines) before answering, and serve logs posted events to --events-log and replays them after a restart.
 */
class HistoryCommandsTest {
  @TempDir
  Path dir;

  static final String JOB = """
      name: tth
      seed: 5
      dataset:
        source: {format: synthetic, users: 200, items: 120, events: 8000, days: 30, seed: 4}
        label: "watch_seconds >= 30"
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
          - {name: category, entity: item, kind: categorical}
          - {name: user_events, kind: history_count, of: user}
          - {name: user_rate, kind: history_rate, of: user, smoothing: 5}
          - {name: since_last, kind: time_since, of: user}
      model: {type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8,
              user_features: [user_id, country, user_events, user_rate, since_last]}
      train: {epochs: 2, batch_size: 128, learning_rate: 0.005, checkpoint_every: 0, early_stopping: {patience: 0}}
      """;

  @Test
  void exportRecommendWithEventsAndServeWithAnEventsLog() throws Exception {
    Path job = dir.resolve("tth.yaml");
    Files.writeString(job, JOB);
    String run = dir.resolve("runs/tth").toString();
    CliRunner.Result t = CliRunner.run("train", "--config", job.toString(), "--run", run, "--cache", dir.resolve("cache").toString());
    assertThat(t.exit()).as(t.err()).isZero();
    String reg = dir.resolve("registry").toString();
    CliRunner.Result e = CliRunner.run("export", "--run", run, "--registry", reg, "--name", "hist");
    assertThat(e.exit()).as(e.err()).isZero();
    assertThat(e.out()).contains("history:   history/events.tds");
    String model = reg + "/hist@v1";

    CliRunner.Result before = CliRunner.run("recommend", "--model", model, "--user", "newbie", "--json");
    assertThat(Persisted.json().readTree(before.out()).get("path").asText()).isEqualTo("popularity");
    Path csv = dir.resolve("events.csv");
    Files.writeString(csv, "user,item,time,watch_seconds\nnewbie,i1,2020-01-01T00:00:00Z,40\nnewbie,i2,,12\n");
    CliRunner.Result after = CliRunner.run("recommend", "--model", model, "--user", "newbie", "--json", "--events", csv.toString());
    assertThat(after.exit()).as(after.err()).isZero();
    assertThat(after.err()).contains("applied 2 event(s) from " + csv).contains("1 new user(s)");
    assertThat(Persisted.json().readTree(after.out()).get("path").asText()).as("the user tower reads the new user's history")
        .isEqualTo("cold_features");
    Path jsonl = dir.resolve("events.jsonl");
    Files.writeString(jsonl, "{\"user\": \"newbie\", \"item\": \"i1\", \"watch_seconds\": 40}\n\n{\"user\": \"newbie\", \"item\": \"i3\"}\n");
    CliRunner.Result bad = CliRunner.run("recommend", "--model", model, "--user", "newbie", "--events", jsonl.toString());
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains(jsonl + ":3: watch_seconds: is required");
    Files.writeString(csv, "user,item,shoe\nnewbie,i1,44\n");
    assertThat(CliRunner.run("recommend", "--model", model, "--user", "x", "--events", csv.toString()).err())
        .contains(csv + ":2: shoe: unknown field");

    // serve: events posted to one server are in the history of the next, from the events log
    String log = dir.resolve("events-log").toString();
    JsonNode first;
    Process p = serve(model, log);
    try {
      URI uri = uri(p);
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri.resolve("/events")).POST(HttpRequest.BodyPublishers.ofString(
          "{\"user\": \"visitor\", \"item\": \"i5\", \"time\": 1600000000, \"watch_seconds\": 50}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      first = Persisted.json().readTree(client.send(HttpRequest.newBuilder(uri.resolve("/features?user=visitor")).GET().build(),
          HttpResponse.BodyHandlers.ofString()).body()).get("features");
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    Process q = serve(model, log);
    try {
      URI uri = uri(q);
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      JsonNode again = Persisted.json().readTree(client.send(HttpRequest.newBuilder(uri.resolve("/features?user=visitor")).GET().build(),
          HttpResponse.BodyHandlers.ofString()).body()).get("features");
      assertThat(again.get("user_events")).isEqualTo(first.get("user_events"));
      JsonNode none = Persisted.json().readTree(client.send(HttpRequest.newBuilder(uri.resolve("/features?user=nobody")).GET().build(),
          HttpResponse.BodyHandlers.ofString()).body()).get("features");
      assertThat(again.get("user_events")).as("the replayed event counts").isNotEqualTo(none.get("user_events"));
    } finally {
      q.destroyForcibly();
      q.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private Process serve(String model, String log) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("-D") || arg.startsWith("-Xmx")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.tandem.cli.Tandem", "serve", "--model", model, "--port", "0",
        "--events-log", log));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  /** Reads the server's stdout up to its "serving ... on URI" line. */
  private static URI uri(Process p) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.startsWith("serving ") && line.contains(" on http://")) {
        return URI.create(line.substring(line.indexOf(" on http://") + 4).trim());
      }
    }
    throw new AssertionError("the server did not start:\n" + seen);
  }
}
