package dev.tandem.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.serving.Fixtures;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.experiment.Tracking;
import dev.tandem.serving.history.EventLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The impression log loses at most one batch to SIGKILL: an experiment server in its own JVM answers concurrent clients,
 * is killed, and the log holds every answer but at most {@code batch} of the last ones (never a record of an answer it
 * did not give, never a damaged line but a torn last one).
 */
class ImpressionLogCrashTest {
  @TempDir
  Path dir;

  @Test
  void aSigkillLosesAtMostTheUnsyncedBatch() throws Exception {
    Fixtures.bundle(); // exports recs@v1 into the fixtures' registry
    int batch = 16;
    String logDir = dir.resolve("logs").toString();
    Path portFile = dir.resolve("port");
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("-D") || arg.startsWith("-Xmx")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ImpressionServerMain.class.getName(),
        Fixtures.runs().root().resolve("registry").toString(), "recs", logDir, Integer.toString(batch), portFile.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
    Set<String> answered = Collections.synchronizedSet(new HashSet<>());
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(portFile) && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(Files.exists(portFile)).as("the server did not start: %s", Files.readString(dir.resolve("server.log"))).isTrue();
      String base = "http://127.0.0.1:" + Files.readString(portFile).trim() + "/recommend?k=5&user=";
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      int clients = 4;
      int perClient = 150 + 3; // not a multiple of the batch: the last records are still waiting for their sync
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int id = c;
        done.add(pool.submit(() -> {
          for (int k = 0; k < perClient; k++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "u" + (id * 1000 + k) % 300))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
              throw new AssertionError("refused: " + r.statusCode() + " " + r.body());
            }
            answered.add(Persisted.json().readTree(r.body()).get("request_id").asText());
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
    } finally {
      p.destroyForcibly(); // SIGKILL: no shutdown hook, no last sync
      p.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(answered).hasSize(4 * 153);
    List<String> logged = new ArrayList<>();
    EventLog.Replayed r = EventLog.readAll(Fs.path(logDir + "/impressions"), Tracking.impressionLayout(ServingConfig.defaults().impressions()),
        (line, where) -> {
          try {
            JsonNode n = Persisted.json().readTree(line);
            logged.add(n.get("request_id").asText());
          } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
          }
        });
    assertThat(answered).containsAll(logged);
    assertThat(new HashSet<>(logged)).hasSize(logged.size());
    int lost = answered.size() - logged.size();
    System.err.printf("impression log after SIGKILL: %d answers, %d logged, %d lost (batch %d), %d torn line(s)%n", answered.size(),
        logged.size(), lost, batch, r.tornLines());
    assertThat(lost).isBetween(0, batch);
    assertThat(r.tornLines()).isLessThanOrEqualTo(1);
  }
}
