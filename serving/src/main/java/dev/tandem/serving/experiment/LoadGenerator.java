package dev.tandem.serving.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.datasets.synth.ClickModel;
import dev.tandem.format.Persisted;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A simulated user population replayed against a server: each request asks {@code /recommend} for a user of the
 * synthetic log, the {@link ClickModel} (the generator's planted preferences) decides which of the shown items that user
 * clicks, and the clicks go back through {@code POST /feedback}. Bounded by a number of requests and a time budget,
 * whichever ends first; deterministic in which users ask and which clicks happen, given the answers.
 */
public final class LoadGenerator {

  /**
   * @param users    the population: users {@code u0 .. u(users-1)} of the synthetic log (at most the click model's)
   * @param requests requests in all
   * @param budget   the time the run may take
   * @param k        items asked for per request
   * @param clients  concurrent clients
   * @param seed     which users ask, in which order, and the clicks' random draws
   */
  public record Settings(int users, int requests, Duration budget, int k, int clients, long seed) {
    public Settings {
      if (users < 1 || requests < 1 || k < 1 || clients < 1 || budget == null || budget.isNegative() || budget.isZero()) {
        throw new IllegalArgumentException("users, requests, k, clients and the time budget must be positive");
      }
    }
  }

  /**
   * What the run did: requests answered, impressions and clicks by the arm the answers named, requests that failed,
   * and the time taken; {@code stoppedBy} says whether the requests or the time budget ended it.
   */
  public record Result(long answered, long failed, long feedbackPosts, Map<String, long[]> byArm, double seconds, String stoppedBy) {
    /** Clicks per impression of an arm as the simulation saw them (before any report). */
    public double clickRate(String arm) {
      long[] x = byArm.get(arm);
      return x == null || x[0] == 0 ? Double.NaN : (double) x[1] / x[0];
    }
  }

  private LoadGenerator() {}

  /**
   * Replays the population against {@code server} (its base URI, e.g. {@code http://127.0.0.1:8080}).
   *
   * @throws IllegalArgumentException if the population is larger than the click model's
   * @throws IOException if more than a tenth of the requests fail (the server is not serving: no point going on)
   */
  public static Result run(URI server, ClickModel truth, Settings s) throws IOException, InterruptedException {
    if (s.users() > truth.users()) {
      throw new IllegalArgumentException("the population of " + s.users() + " users is larger than the synthetic log's " + truth.users());
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    AtomicLong next = new AtomicLong();
    LongAdder answered = new LongAdder();
    LongAdder failed = new LongAdder();
    LongAdder posts = new LongAdder();
    Map<String, long[]> byArm = new ConcurrentHashMap<>();
    long t0 = System.nanoTime();
    long deadline = t0 + s.budget().toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(s.clients(), r -> {
      Thread t = new Thread(r, "tandem-load");
      t.setDaemon(true);
      return t;
    });
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < s.clients(); c++) {
      done.add(pool.submit(() -> {
        long n;
        while ((n = next.getAndIncrement()) < s.requests() && System.nanoTime() < deadline) {
          SplittableRandom r = new SplittableRandom(s.seed() * 1_000_003L + n);
          String user = ClickModel.userId(r.nextInt(s.users()));
          try {
            HttpResponse<String> a = client.send(HttpRequest.newBuilder(URI.create(server + "/recommend?k=" + s.k() + "&user=" + user))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (a.statusCode() != 200) {
              throw new IOException("/recommend answered " + a.statusCode() + ": " + a.body());
            }
            JsonNode body = Persisted.json().readTree(a.body());
            String id = body.path("request_id").asText(null);
            if (id == null) {
              throw new IOException("the answer has no request_id: is the server logging answers?");
            }
            StringBuilder fb = new StringBuilder();
            JsonNode items = body.get("items");
            int clicks = 0;
            for (int p = 0; p < items.size(); p++) {
              String item = items.get(p).asText();
              if (r.nextDouble() < truth.click(user, item, p + 1)) {
                fb.append(clicks++ == 0 ? "[" : ",").append("{\"request_id\":\"").append(id).append("\",\"item\":\"").append(item)
                    .append("\",\"event\":\"click\"}");
              }
            }
            if (clicks > 0) {
              HttpResponse<String> f = client.send(HttpRequest.newBuilder(URI.create(server + "/feedback")).timeout(Duration.ofSeconds(30))
                  .POST(HttpRequest.BodyPublishers.ofString(fb.append(']').toString())).build(), HttpResponse.BodyHandlers.ofString());
              if (f.statusCode() != 200) {
                throw new IOException("/feedback answered " + f.statusCode() + ": " + f.body());
              }
              posts.increment();
            }
            long[] arm = byArm.computeIfAbsent(body.path("arm").asText("none"), k -> new long[2]);
            synchronized (arm) {
              arm[0]++;
              arm[1] += clicks;
            }
            answered.increment();
          } catch (IOException e) {
            failed.increment();
            if (failed.sum() > Math.max(10, s.requests() / 10)) {
              throw e;
            }
          }
        }
        return null;
      }));
    }
    try {
      for (Future<?> f : done) {
        f.get();
      }
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw new IOException("the simulation stopped: " + io.getMessage(), io);
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Result(answered.sum(), failed.sum(), posts.sum(), new TreeMap<>(byArm), seconds,
        answered.sum() + failed.sum() >= s.requests() ? "requests" : "time");
  }
}
