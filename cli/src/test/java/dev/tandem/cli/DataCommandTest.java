package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import dev.tandem.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DataCommandTest {
  @TempDir
  Path dir;

  @Test
  void everyCommandHasHelp() {
    List<String[]> paths = new ArrayList<>();
    collect(Tandem.commandLine(), new ArrayList<>(), paths);
    assertThat(paths.size()).isGreaterThanOrEqualTo(6);
    for (String[] p : paths) {
      String[] args = java.util.Arrays.copyOf(p, p.length + 1);
      args[p.length] = "--help";
      CliRunner.Result r = CliRunner.run(args);
      assertThat(r.exit()).as(String.join(" ", args)).isZero();
      assertThat(r.out()).as(String.join(" ", args)).contains("Usage: tandem");
    }
  }

  private static void collect(CommandLine cl, List<String> prefix, List<String[]> out) {
    out.add(prefix.toArray(new String[0]));
    for (var e : cl.getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) {
        continue;
      }
      List<String> p = new ArrayList<>(prefix);
      p.add(e.getKey());
      collect(e.getValue(), p, out);
    }
  }

  @Test
  void synthPrepareInspect() throws Exception {
    CliRunner.Result synth = CliRunner.run("data", "synth", "--out", dir.resolve("raw").toString(), "--users", "300", "--items", "150",
        "--events", "20000", "--days", "20");
    assertThat(synth.exit()).as(synth.err()).isZero();
    assertThat(dir.resolve("raw/events.csv")).exists();
    String job = """
        name: cli-test
        dataset:
          source:
            format: events
            events: {path: raw/events.csv}
            columns: {user_id: user_id, item_id: item_id, timestamp: timestamp, watch_seconds: watch_seconds}
            users: {path: raw/users.csv, key: user_id}
            items: {path: raw/items.csv, key: item_id}
          label: "watch_seconds >= 30"
          features:
            - {name: user_id, entity: user, kind: categorical}
            - {name: country, entity: user, kind: categorical}
            - {name: item_id, entity: item, kind: categorical}
            - {name: tags, entity: item, kind: multi_hot}
            - {name: device, entity: context, kind: categorical}
        """;
    Files.writeString(dir.resolve("job.yaml"), job);
    String out = dir.resolve("prepared").toString();
    CliRunner.Result prep = CliRunner.run("data", "prepare", "--config", dir.resolve("job.yaml").toString(), "--out", out);
    assertThat(prep.exit()).as(prep.err()).isZero();
    assertThat(prep.out()).contains("train", "20,000");
    JsonNode summary = Persisted.json().readTree(Files.readString(Path.of(out, "summary.json")));
    assertThat(summary.get("rows_read").asLong()).isEqualTo(20_000);
    assertThat(summary.get("rows_kept").asLong()).isEqualTo(20_000);
    assertThat(summary.get("rows_rejected").asLong()).isZero();
    assertThat(summary.get("splits").get("train").asLong()).isEqualTo(16_000);
    assertThat(summary.get("splits").get("validation").asLong()).isEqualTo(2_000);
    assertThat(summary.get("splits").get("test").asLong()).isEqualTo(2_000);

    CliRunner.Result again = CliRunner.run("data", "prepare", "--config", dir.resolve("job.yaml").toString(), "--out", out);
    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err()).contains("already holds a prepared dataset").contains("--overwrite");

    CliRunner.Result inspect = CliRunner.run("data", "inspect", out, "--split", "test");
    assertThat(inspect.exit()).as(inspect.err()).isZero();
    assertThat(inspect.out()).contains("feature profile (test split").contains("country").contains("multi_hot");
  }

  @Test
  void configErrorsExitWithCode2AndNameTheKey() throws Exception {
    Files.writeString(dir.resolve("bad.yaml"), "name: x\ndataset:\n  source: {format: synthetic, users: -5}\n  label: \"watch_seconds >= 30\"\n  features: [{name: user_id, entity: user, kind: categorical}]\n");
    CliRunner.Result r = CliRunner.run("data", "prepare", "--config", dir.resolve("bad.yaml").toString(), "--out", dir.resolve("o").toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("dataset.source.users").contains("must be > 0");
    CliRunner.Result missing = CliRunner.run("data", "inspect", dir.resolve("nothing-here").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("does not exist");
  }

  @Test
  void movieLensExamplePreparesWithTheProtocolSplit() throws Exception {
    Path ml = TestData.movieLens();
    Path root = TestData.repositoryRoot();
    for (String example : List.of("movielens-100k-two-tower.yaml", "movielens-100k-ranking.yaml")) {
      String out = dir.resolve(example).toString();
      CliRunner.Result r = CliRunner.run("data", "prepare", "--config", root.resolve("examples").resolve(example).toString(), "--out", out);
      assertThat(r.exit()).as(r.err()).isZero();
      JsonNode s = Persisted.json().readTree(Files.readString(Path.of(out, "summary.json")));
      assertThat(s.get("splits").get("train").asLong()).isEqualTo(80_000);
      assertThat(s.get("splits").get("validation").asLong()).isEqualTo(10_000);
      assertThat(s.get("splits").get("test").asLong()).isEqualTo(10_000);
      assertThat(s.get("rows_read").asLong()).isEqualTo(100_000);
    }
    assertThat(ml).exists();
  }

  @Test
  void csvExamplePreparesFromConfigAlone() throws Exception {
    Path root = TestData.repositoryRoot();
    String out = dir.resolve("csv").toString();
    CliRunner.Result r = CliRunner.run("data", "prepare", "--config", root.resolve("examples/csv-ratings.yaml").toString(), "--out", out);
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode s = Persisted.json().readTree(Files.readString(Path.of(out, "summary.json")));
    assertThat(s.get("rows_read").asLong()).isEqualTo(s.get("rows_kept").asLong() + s.get("rows_rejected").asLong());
    assertThat(s.get("rows_rejected").asLong()).isEqualTo(2);
  }

  /** The history examples a user starts a log of their own from train as they are, from their configuration alone. */
  @Test
  void csvHistoryExamplesTrainFromConfigAlone() throws Exception {
    Path root = TestData.repositoryRoot();
    for (String example : List.of("csv-ratings-ranking-history.yaml", "csv-ratings-two-tower-history.yaml")) {
      CliRunner.Result r = CliRunner.run("train", "--config", root.resolve("examples").resolve(example).toString(), "--run",
          dir.resolve(example).toString(), "--cache", dir.resolve("cache").toString(), "--set", "train.epochs=4");
      assertThat(r.exit()).as(example + ": " + r.err()).isZero();
      assertThat(dir.resolve(example).resolve("metrics.jsonl")).exists();
    }
  }

  @Test
  void jvmFlagsInScriptsMatchThePom() throws Exception {
    Path root = TestData.repositoryRoot();
    String script = Files.readString(root.resolve("scripts/jvm-flags"));
    String pom = Files.readString(root.resolve("pom.xml"));
    String fromScript = script.replaceAll("(?s).*TANDEM_JVM_FLAGS=\"([^\"]*)\".*", "$1").trim();
    String fromPom = pom.replaceAll("(?s).*<tandem.jvm.flags>([^<]*)</tandem.jvm.flags>.*", "$1").trim();
    assertThat(fromScript).isEqualTo(fromPom);
  }
}
