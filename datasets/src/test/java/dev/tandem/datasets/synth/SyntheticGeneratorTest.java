package dev.tandem.datasets.synth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticGeneratorTest {
  @TempDir
  Path dir;

  private static final SyntheticGenerator.Params P = new SyntheticGenerator.Params(400, 200, 30_000, 8, 30, 5, LocalDate.of(2024, 1, 1), 1.0, 1.0);

  @Test
  void sameSeedSameBytesWhateverTheThreadCount() throws Exception {
    new SyntheticGenerator(P).write(Fs.path(dir.resolve("a").toString()), 1, Progress.NONE);
    new SyntheticGenerator(P).write(Fs.path(dir.resolve("b").toString()), 3, Progress.NONE);
    for (String f : List.of("events.csv", "users.csv", "items.csv")) {
      assertThat(Files.readAllBytes(dir.resolve("b").resolve(f))).isEqualTo(Files.readAllBytes(dir.resolve("a").resolve(f)));
    }
    assertThat(Files.readAllLines(dir.resolve("a/events.csv"))).hasSize(30_001);
    SyntheticGenerator.Params other = new SyntheticGenerator.Params(400, 200, 30_000, 8, 30, 6, LocalDate.of(2024, 1, 1), 1.0, 1.0);
    new SyntheticGenerator(other).write(Fs.path(dir.resolve("c").toString()), 2, Progress.NONE);
    assertThat(Files.readAllBytes(dir.resolve("c/events.csv"))).isNotEqualTo(Files.readAllBytes(dir.resolve("a/events.csv")));
  }

  @Test
  void plantsSkewDriftAndFeatureCorrelatedTaste() throws Exception {
    new SyntheticGenerator(P).write(Fs.path(dir.toString()), 2, Progress.NONE);
    Map<String, String> country = new HashMap<>();
    for (String l : Files.readAllLines(dir.resolve("users.csv")).subList(1, 401)) {
      String[] f = l.split(",");
      country.put(f[0], f[2]);
    }
    Map<String, String> category = new HashMap<>();
    for (String l : Files.readAllLines(dir.resolve("items.csv")).subList(1, 201)) {
      String[] f = l.split(",");
      category.put(f[0], f[1]);
    }
    List<String> events = Files.readAllLines(dir.resolve("events.csv")).subList(1, 30_001);
    Map<String, Integer> itemCount = new HashMap<>();
    Map<String, Map<String, Integer>> byCountry = new HashMap<>();
    Map<String, Integer> overall = new HashMap<>();
    long longWatches = 0;
    long prevTs = 0;
    Map<String, Integer> firstHalf = new HashMap<>();
    Map<String, Integer> secondHalf = new HashMap<>();
    for (int k = 0; k < events.size(); k++) {
      String[] f = events.get(k).split(",");
      long ts = Long.parseLong(f[2]);
      assertThat(ts).isGreaterThanOrEqualTo(prevTs);
      prevTs = ts;
      itemCount.merge(f[1], 1, Integer::sum);
      String cat = category.get(f[1]);
      byCountry.computeIfAbsent(country.get(f[0]), c -> new HashMap<>()).merge(cat, 1, Integer::sum);
      overall.merge(cat, 1, Integer::sum);
      longWatches += Double.parseDouble(f[4]) >= 30 ? 1 : 0;
      (k < events.size() / 2 ? firstHalf : secondHalf).merge(f[1], 1, Integer::sum);
    }
    // popularity skew: the top 10% of items take a large share of events
    List<Integer> counts = itemCount.values().stream().sorted((a, b) -> b - a).toList();
    int top = counts.subList(0, 20).stream().mapToInt(Integer::intValue).sum();
    assertThat(top / 30_000.0).isGreaterThan(0.35);
    // drift: the most popular items of the first half are not those of the second
    List<String> topFirst = firstHalf.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(10).map(Map.Entry::getKey).toList();
    List<String> topSecond = secondHalf.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(10).map(Map.Entry::getKey).toList();
    assertThat(topFirst).isNotEqualTo(topSecond);
    // taste follows side features: each country's category mix differs from the overall mix (total variation)
    double tv = 0;
    for (Map.Entry<String, Map<String, Integer>> e : byCountry.entrySet()) {
      int n = e.getValue().values().stream().mapToInt(Integer::intValue).sum();
      double d = 0;
      for (Map.Entry<String, Integer> o : overall.entrySet()) {
        d += Math.abs(e.getValue().getOrDefault(o.getKey(), 0) / (double) n - o.getValue() / 30_000.0);
      }
      tv += d / 2 / byCountry.size();
    }
    assertThat(tv).isGreaterThan(0.15);
    // the implicit label is balanced enough to learn from
    assertThat(longWatches / 30_000.0).isBetween(0.3, 0.8);
  }
}
