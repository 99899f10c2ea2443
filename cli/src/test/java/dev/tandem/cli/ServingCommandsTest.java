package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.format.Persisted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export, registry list|show|promote|rollback|diff, recommend (one user, JSON, batch) and bench serve, as a user runs them. */
class ServingCommandsTest {
  @TempDir
  Path dir;

  static final String JOB = """
      name: %s
      seed: 5
      dataset:
        source: {format: synthetic, users: 200, items: 120, events: 8000, days: 30, seed: 4}
        label: "watch_seconds >= 30"
        features:
          - {name: user_id, entity: user, kind: categorical}
          - {name: country, entity: user, kind: categorical}
          - {name: item_id, entity: item, kind: categorical}
          - {name: category, entity: item, kind: categorical}
          - {name: tags, entity: item, kind: multi_hot}
      model: %s
      train: {epochs: 2, batch_size: 128, learning_rate: 0.005, checkpoint_every: 0, early_stopping: {patience: 0}}
      """;

  private String train(String name, String model) throws Exception {
    Path job = dir.resolve(name + ".yaml");
    Files.writeString(job, JOB.formatted(name, model));
    String run = dir.resolve("runs/" + name).toString();
    CliRunner.Result r = CliRunner.run("train", "--config", job.toString(), "--run", run, "--cache", dir.resolve("cache").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    return run;
  }

  @Test
  void exportPromoteRecommendAndCompare() throws Exception {
    String tt = train("tt", "{type: two_tower, embedding_dim: 8, hidden: [16], output_dim: 8}");
    String rk = train("rk", "{type: ranking, architecture: dcn, embedding_dim: 8, hidden: [16]}");
    String reg = dir.resolve("registry").toString();
    Path rules = dir.resolve("serving.yaml");
    Files.writeString(rules, "rules: {exclude_seen: true, max_per: {category: 2}}\nretrieval: {candidates: 50}\n");

    CliRunner.Result e1 = CliRunner.run("export", "--run", tt, "--ranking-run", rk, "--registry", reg, "--name", "recs");
    assertThat(e1.exit()).as(e1.err()).isZero();
    assertThat(e1.out()).contains("exported recs v1").contains("retrieval:").contains("ranking:").contains("recall@10");
    CliRunner.Result e2 = CliRunner.run("export", "--run", tt, "--checkpoint", "latest", "--registry", reg, "--name", "recs", "--rules",
        rules.toString());
    assertThat(e2.exit()).as(e2.err()).isZero();
    assertThat(e2.out()).contains("exported recs v2").contains("(parent v1)");

    CliRunner.Result bad = CliRunner.run("export", "--run", tt, "--registry", reg, "--name", "../escape");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("invalid model name");
    CliRunner.Result wrongKind = CliRunner.run("export", "--run", rk, "--registry", reg, "--name", "x");
    assertThat(wrongKind.exit()).isEqualTo(2);
    assertThat(wrongKind.err()).contains("ranking run");

    assertThat(CliRunner.run("registry", "promote", reg + "/recs@v1", "--alias", "production").out()).contains("production of recs: (new) -> v1");
    assertThat(CliRunner.run("registry", "promote", reg + "/recs@v2").out()).contains("v1 -> v2");
    assertThat(CliRunner.run("registry", "promote", "--registry", reg, "recs@production", "--alias", "staging").out()).contains("-> v2");
    CliRunner.Result list = CliRunner.run("registry", "list", reg, "recs");
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.out()).contains("v1").contains("v2").contains("production, staging");
    assertThat(CliRunner.run("registry", "list", reg).out()).contains("recs").contains("production=v2");
    CliRunner.Result show = CliRunner.run("registry", "show", reg + "/recs@v1");
    assertThat(show.exit()).as(show.err()).isZero();
    assertThat(show.out()).contains("recs v1").contains("popularity").contains("logistic_regression").contains("retrieval/user_tower.zip")
        .contains("fingerprint");
    CliRunner.Result diff = CliRunner.run("registry", "diff", reg + "/recs@v1", "v2");
    assertThat(diff.exit()).as(diff.err()).isZero();
    assertThat(diff.out()).contains("retrieval.recall@10").contains("ranking.auc").contains("serving.rules.max_per.category");

    CliRunner.Result rb = CliRunner.run("registry", "rollback", reg + "/recs");
    assertThat(rb.out()).contains("production of recs: v2 -> v1 (rolled back)");
    assertThat(CliRunner.run("registry", "rollback", reg + "/recs").exit()).isEqualTo(2);

    CliRunner.Result json = CliRunner.run("recommend", "--model", reg + "/recs@production", "--user", "u1", "--k", "5", "--json");
    assertThat(json.exit()).as(json.err()).isZero();
    JsonNode r = Persisted.json().readTree(json.out());
    assertThat(r.get("version").asInt()).isEqualTo(1);
    assertThat(r.get("path").asText()).isEqualTo("known");
    assertThat(r.get("items").get(0).isTextual()).isTrue();
    assertThat(r.get("items").size()).isEqualTo(5);
    assertThat(r.get("scores").size()).isEqualTo(5);
    CliRunner.Result text = CliRunner.run("recommend", "--model", reg + "/recs@staging", "--user", "someone-new", "--attr", "country=fr",
        "--explain");
    assertThat(text.exit()).as(text.err()).isZero();
    assertThat(text.out()).contains("recs v2").contains("cold start").contains("retrieval rank").contains("user features");
    CliRunner.Result badAttr = CliRunner.run("recommend", "--model", reg + "/recs@v1", "--user", "1", "--attr", "shoe=44");
    assertThat(badAttr.exit()).isEqualTo(2);
    assertThat(badAttr.err()).contains("unknown attribute 'shoe'");

    Path batch = dir.resolve("out/top10.csv");
    CliRunner.Result all = CliRunner.run("recommend", "--model", reg + "/recs@production", "--all-users", "--out", batch.toString());
    assertThat(all.exit()).as(all.err()).isZero();
    List<String> lines = Files.readAllLines(batch);
    assertThat(lines.get(0)).isEqualTo("user_id,rank,item_id,score");
    assertThat(lines).hasSize(1 + 10 * Integer.parseInt(all.out().replaceAll("(?s).*top 10 of ([0-9,]+) users.*", "$1").replace(",", "")));
    if (new java.io.File("/proc/self").isDirectory()) { // Linux: /proc takes no new files, not even root's
      CliRunner.Result unwritable = CliRunner.run("recommend", "--model", reg + "/recs@production", "--all-users", "--out", "/proc/top.csv");
      assertThat(unwritable.exit()).isNotZero();
      assertThat(unwritable.err().strip()).isEqualTo("error: cannot write /proc/top.csv: No such file or directory");
    }

    // an experiment needs both a challenger and a share; refused before anything listens
    CliRunner.Result shareAlone = CliRunner.run("serve", "--model", reg + "/recs@v1", "--share", "0.2", "--port", "0");
    assertThat(shareAlone.exit()).isEqualTo(2);
    assertThat(shareAlone.err()).contains("--share needs --challenger");
    CliRunner.Result noShare = CliRunner.run("serve", "--model", reg + "/recs@v1", "--challenger", "recs@v2", "--port", "0");
    assertThat(noShare.exit()).isEqualTo(2);
    assertThat(noShare.err()).contains("--share is required");
    CliRunner.Result badShare = CliRunner.run("serve", "--model", reg + "/recs@v1", "--challenger", "recs@v2", "--share", "1.5", "--port", "0");
    assertThat(badShare.exit()).isEqualTo(2);
    assertThat(badShare.err()).contains("share").contains("1.5");

    CliRunner.Result bench = CliRunner.run("bench", "serve", "--model", reg + "/recs@v1", "--items", "2000", "--threads", "1,2", "--requests",
        "200", "--warmup", "50", "--k", "20", "--ef", "40,80", "--work", dir.toString(), "--experiment");
    assertThat(bench.exit()).as(bench.err()).isZero();
    assertThat(bench.out()).contains("p50 ms").contains("p99 ms").contains("recall@20").contains("hnsw ef=40").contains("hnsw ef=80").contains("exact");
    assertThat(bench.out()).contains("exact +ab+log").contains("hnsw ef=80 +ab+log").contains("p99 difference");
  }
}
