package dev.tandem.serving.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigLoader;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.metrics.EvaluationResult;
import dev.tandem.trainer.metrics.Scores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry's rules on small synthetic versions: numbering under concurrency, aliases, integrity, names. */
class RegistryTest {
  @TempDir
  Path dir;

  /** A version of one small file whose metrics and config carry {@code tag}. */
  static Publication tiny(String tag, double recall) {
    return staging -> {
      FsModelRegistry.writeSynced(new org.apache.hadoop.fs.Path(staging, "model.bin"), tag.getBytes(StandardCharsets.UTF_8));
      FsModelRegistry.writeSynced(new org.apache.hadoop.fs.Path(staging, "sub/data.bin"), new byte[] {1, 2, 3});
      var config = ConfigLoader.yaml().readTree("model: {type: two_tower, temperature: " + recall + "}\ntag: " + tag);
      var entry = new VersionManifest.ModelEntry("two_tower", "/runs/" + tag, "ckpt-1", "test", Scores.of(Map.of("recall@10", recall)),
          new EvaluationResult.Baseline("popularity", null, Scores.of(Map.of("recall@10", 0.05))), config, null);
      return new Publication.Contents(Map.of("retrieval", entry), new VersionManifest.DatasetEntry("fp", "/data", "profile.json", 1, 1),
          null, null);
    };
  }

  private FsModelRegistry registry() {
    return FsModelRegistry.at(dir.resolve("registry").toString());
  }

  @Test
  void concurrentExportsOfOneNameGetDistinctConsecutiveVersions() throws Exception {
    FsModelRegistry r = registry();
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<VersionManifest>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String tag = "writer-" + w;
        futures.add(pool.submit(() -> {
          start.await();
          return r.publish("recs", tiny(tag, 0.1));
        }));
      }
      start.countDown();
      Set<Integer> numbers = new HashSet<>();
      for (Future<VersionManifest> f : futures) {
        VersionManifest m = f.get();
        assertThat(numbers.add(m.version())).as("version %d handed out twice", m.version()).isTrue();
        // each version holds exactly what its own exporter wrote
        VerifiedVersion v = r.read("recs", m.version());
        assertThat(new String(v.file("model.bin"), StandardCharsets.UTF_8)).isEqualTo(v.manifest().models().get("retrieval").run()
            .substring("/runs/".length()));
        assertThat(v.manifest().exportId()).isEqualTo(m.exportId());
      }
      assertThat(numbers).containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, writers).boxed().toList());
      assertThat(r.versions("recs")).hasSize(writers);
      try (var files = Files.list(dir.resolve("registry/recs"))) {
        assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("._staging"));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aliasesMoveAndRollBackStepByStep() {
    FsModelRegistry r = registry();
    for (int i = 1; i <= 3; i++) {
      r.publish("recs", tiny("v" + i, 0.1 * i));
    }
    assertThat(r.resolve("recs", "latest")).isEqualTo(3);
    assertThatThrownBy(() -> r.resolve("recs", "production")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no alias 'production'").hasMessageContaining("promote");
    assertThatThrownBy(() -> r.rollback("recs", "production")).isInstanceOf(IllegalArgumentException.class);

    assertThat(r.promote("recs", "production", 1).version()).isEqualTo(1);
    assertThatThrownBy(() -> r.rollback("recs", "production")).hasMessageContaining("no previous version");
    r.promote("recs", "staging", 3);
    AliasState p2 = r.promote("recs", "production", 2);
    assertThat(p2.previous()).isEqualTo(1);
    r.promote("recs", "production", 3);
    assertThat(r.promote("recs", "production", 3).sequence()).as("promoting the current version is a no-op").isEqualTo(3);
    assertThat(r.resolve("recs", "production")).isEqualTo(3);

    AliasState back = r.rollback("recs", "production");
    assertThat(back.version()).isEqualTo(2);
    assertThat(back.previous()).isEqualTo(3);
    assertThat(back.action()).isEqualTo("rollback");
    assertThat(r.rollback("recs", "production").version()).isEqualTo(1);
    assertThat(r.resolve("recs", "production")).isEqualTo(1);
    assertThat(r.aliases("recs")).containsOnlyKeys("production", "staging");
    assertThat(r.resolve("recs", "staging")).isEqualTo(3);

    // a new export's parent is what production points to
    assertThat(r.publish("recs", tiny("v4", 0.4)).parent()).isEqualTo(1);
    assertThatThrownBy(() -> r.promote("recs", "production", 9)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no version v9");
  }

  /** Decisions with evidence: a promotion and a kept alias are both entries of the log, and rollback still steps back. */
  @Test
  void decisionsAreLoggedWithTheirEvidence() throws Exception {
    FsModelRegistry r = registry();
    r.publish("recs", tiny("v1", 0.1));
    r.publish("recs", tiny("v2", 0.2));
    assertThatThrownBy(() -> r.keep("recs", "production", null)).hasMessageContaining("no alias 'production' to keep");
    r.promote("recs", "production", 1, ConfigLoader.yaml().readTree("{cycle: c1, decision: initial}"));
    AliasState kept = r.keep("recs", "production", ConfigLoader.yaml().readTree("{cycle: c2, decision: keep, reasons: [not better]}"));
    assertThat(kept.action()).isEqualTo("keep");
    assertThat(kept.version()).isEqualTo(1);
    r.promote("recs", "production", 2, ConfigLoader.yaml().readTree("{cycle: c3, decision: promote}"));
    assertThat(r.promote("recs", "production", 2, ConfigLoader.yaml().readTree("{cycle: c4, decision: promote}")).sequence())
        .as("with evidence, a promotion to the current version is logged").isEqualTo(4);
    List<AliasState> log = r.aliasLog("recs", "production");
    assertThat(log).extracting(AliasState::action).containsExactly("promote", "keep", "promote", "promote");
    assertThat(log).extracting(e -> e.evidence().get("cycle").asText()).containsExactly("c1", "c2", "c3", "c4");
    assertThat(r.alias("recs", "production").orElseThrow().evidence().get("decision").asText()).isEqualTo("promote");
    assertThat(r.rollback("recs", "production").version()).isEqualTo(1);
    assertThat(r.aliasLog("recs", "staging")).isEmpty();
  }

  @Test
  void concurrentPromotionsAreSerialisedNotLost() throws Exception {
    FsModelRegistry r = registry();
    int versions = 6;
    for (int i = 1; i <= versions; i++) {
      r.publish("recs", tiny("v" + i, 0.1));
    }
    ExecutorService pool = Executors.newFixedThreadPool(versions);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<AliasState>> fs = new ArrayList<>();
      for (int v = 1; v <= versions; v++) {
        int version = v;
        fs.add(pool.submit(() -> {
          start.await();
          return r.promote("recs", "production", version);
        }));
      }
      start.countDown();
      for (Future<AliasState> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    AliasState now = r.alias("recs", "production").orElseThrow();
    // every promotion is in the history exactly once: none overwrote another
    assertThat(now.history()).containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, versions).boxed().toList());
    assertThat(now.sequence()).isEqualTo(versions);
  }

  @Test
  void alteredFilesAndManifestsAreRefused() throws Exception {
    FsModelRegistry r = registry();
    r.publish("recs", tiny("a", 0.1));
    r.publish("recs", tiny("b", 0.1));
    assertThat(r.read("recs", 1).files()).containsOnlyKeys("model.bin", "sub/data.bin");

    Path data = dir.resolve("registry/recs/v1/sub/data.bin");
    Files.write(data, new byte[] {1, 2, 4});
    assertThatThrownBy(() -> r.read("recs", 1)).isInstanceOf(CorruptDataException.class).hasMessageContaining("sub/data.bin")
        .hasMessageContaining("checksum mismatch");

    Path manifest = dir.resolve("registry/recs/v2/manifest.json");
    Files.writeString(manifest, Files.readString(manifest).replace("0.05", "0.95"));
    assertThatThrownBy(() -> r.read("recs", 2)).isInstanceOf(CorruptDataException.class).hasMessageContaining("manifest.json")
        .hasMessageContaining("altered");
    assertThatThrownBy(() -> r.promote("recs", "production", 2)).isInstanceOf(CorruptDataException.class);

    Files.delete(dir.resolve("registry/recs/v1/model.bin"));
    assertThatThrownBy(() -> r.read("recs", 1)).isInstanceOf(CorruptDataException.class).hasMessageContaining("model.bin");
  }

  @Test
  void namesThatCouldEscapeOrConfuseTheRegistryAreRejected() {
    FsModelRegistry r = registry();
    for (String bad : List.of("", "../x", "a/b", "..", ".hidden", "a..b", "x\u0000", "name with space", "a\\b", "ünï", "x.",
        "a".repeat(65), "-x")) {
      assertThatThrownBy(() -> r.publish(bad, tiny("x", 0.1))).as("name '%s'", bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("model name");
    }
    for (String ok : List.of("recs", "Recs-2.v1", "a_b", "7")) {
      assertThat(ModelName.check(ok)).isEqualTo(ok);
    }
    r.publish("recs", tiny("x", 0.1));
    for (String bad : List.of("v2", "latest", "Prod", "../p", "a b", "")) {
      assertThatThrownBy(() -> r.promote("recs", bad, 1)).as("alias '%s'", bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(Fs.exists(Fs.path(dir.resolve("x").toString()))).isFalse();
    assertThat(r.names()).containsExactly("recs");
  }

  @Test
  void referencesParseWithOrWithoutASeparateRegistry() {
    ModelRef a = ModelRef.parse("hdfs://nn:8020/models/recs@production", null);
    assertThat(a).isEqualTo(new ModelRef("hdfs://nn:8020/models", "recs", "production"));
    assertThat(ModelRef.parse("/tmp/reg/recs@v7", null).ref()).isEqualTo("v7");
    assertThat(ModelRef.parse("recs", "/tmp/reg")).isEqualTo(new ModelRef("/tmp/reg", "recs", null));
    assertThat(ModelRef.parse("/tmp/reg/recs", null).orElse("latest").ref()).isEqualTo("latest");
    assertThatThrownBy(() -> ModelRef.parse("recs@production", null)).hasMessageContaining("names no registry");
    assertThatThrownBy(() -> ModelRef.parse("../recs@production", "/tmp/reg")).hasMessageContaining("invalid model name");
    assertThatThrownBy(() -> ModelRef.parse("/tmp/reg/..@production", null)).hasMessageContaining("invalid model name");
    assertThatThrownBy(() -> ModelRef.parse("/tmp/reg/recs@", null)).hasMessageContaining("nothing after '@'");
    assertThatThrownBy(() -> ModelRef.parse("/tmp/reg/recs@Bad!", null)).hasMessageContaining("invalid alias");
  }

  @Test
  void diffComparesMetricsAndConfigs() {
    FsModelRegistry r = registry();
    r.publish("recs", tiny("a", 0.10));
    r.publish("recs", tiny("b", 0.25));
    VersionDiff d = VersionDiff.of(r.manifest("recs", 1), r.manifest("recs", 2));
    VersionDiff.MetricRow recall = d.metrics().stream().filter(m -> m.key().equals("retrieval.recall@10")).findFirst().orElseThrow();
    assertThat(recall.a()).isEqualTo(0.10);
    assertThat(recall.b()).isEqualTo(0.25);
    assertThat(recall.delta()).isCloseTo(0.15, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(d.metrics()).anyMatch(m -> m.key().equals("retrieval.baseline.recall@10") && m.delta() == 0.0);
    assertThat(d.config()).extracting(VersionDiff.ConfigChange::key)
        .containsExactlyInAnyOrder("retrieval.job.model.temperature", "retrieval.job.tag");
  }
}
