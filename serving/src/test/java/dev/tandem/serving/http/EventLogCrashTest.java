package dev.tandem.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.fs.Fs;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.Fixtures;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.SettableClock;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.history.EventLog;
import dev.tandem.serving.history.ServedEvent;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No acknowledged event is lost: a server in its own JVM acknowledges events posted by concurrent clients (single
 * events and batches), is killed with SIGKILL, and a server started on its events log afterwards has every one of them
 * in its history: the same features as a history that was given the same events directly.
 */
class EventLogCrashTest {
  @TempDir
  Path dir;

  @Test
  void everyAcknowledgedEventSurvivesSigkill() throws Exception {
    ServingBundle bundle = Fixtures.historyBundle();
    String logDir = dir.resolve("events").toString();
    Path portFile = dir.resolve("port");
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("-D") || arg.startsWith("-Xmx")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), EventServerMain.class.getName(), Fixtures.historyRegistry(),
        "recs-history", logDir, portFile.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
    List<ServedEvent> acknowledged = Collections.synchronizedList(new ArrayList<>());
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(portFile) && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(Files.exists(portFile)).as("the server did not start: %s", Files.readString(dir.resolve("server.log"))).isTrue();
      URI events = URI.create("http://127.0.0.1:" + Files.readString(portFile).trim() + "/events");
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      long t0 = bundle.history().lastTimestamp();
      int clients = 4;
      int perClient = 60;
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int id = c;
        done.add(pool.submit(() -> {
          for (int k = 0; k < perClient; k++) {
            List<ServedEvent> batch = new ArrayList<>();
            for (int b = 0; b < (k % 5 == 0 ? 3 : 1); b++) { // every fifth request a batch of three
              int n = id * 10_000 + k * 10 + b;
              String user = n % 7 == 0 ? bundle.users().id(n % bundle.users().size()) : "crash-user-" + (n % 23);
              batch.add(new ServedEvent(user, bundle.items().id(n % bundle.items().size()), t0 + 60 + n % 3600,
                  Map.of("watch_seconds", (double) (n % 90), "click", (double) (n % 2))));
            }
            StringBuilder body = new StringBuilder("{\"events\": [");
            for (int b = 0; b < batch.size(); b++) {
              body.append(b > 0 ? ", " : "").append(batch.get(b).toJson());
            }
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(events).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body.append("]}").toString())).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
              throw new AssertionError("event refused: " + r.statusCode() + " " + r.body());
            }
            acknowledged.addAll(batch);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
    } finally {
      p.destroyForcibly(); // SIGKILL: no shutdown hook, no close of the log
      p.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(acknowledged).hasSize(4 * (12 * 3 + 48));

    long after = bundle.history().lastTimestamp() + 7200;
    try (BundleRecommender restarted = new BundleRecommender(bundle, ServingConfig.defaults(), null, new SettableClock(after));
        BundleRecommender direct = new BundleRecommender(bundle, ServingConfig.defaults(), null, new SettableClock(after))) {
      try (EventLog log = restarted.history().useLog(Fs.path(logDir))) {
        assertThat(restarted.history().counts().replayed()).isEqualTo(acknowledged.size());
        direct.history().record(acknowledged);
        List<String> users = acknowledged.stream().map(ServedEvent::user).distinct().toList();
        assertThat(users.size()).isGreaterThan(23);
        for (String user : users) {
          assertThat(restarted.inputs(user, null, null, Map.of())).as(user).isEqualTo(direct.inputs(user, null, null, Map.of()));
        }
        assertThat(restarted.inputs("crash-user-3", bundle.items().id(5), null, Map.of()))
            .isEqualTo(direct.inputs("crash-user-3", bundle.items().id(5), null, Map.of()));
        assertThat(log.segment().getParent().toString()).endsWith("events");
      }
    }
  }
}
