package dev.tandem.serving.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import dev.tandem.serving.BundleRecommender;
import dev.tandem.serving.Fixtures;
import dev.tandem.serving.RecommendRequest;
import dev.tandem.serving.Recommendations;
import dev.tandem.serving.bundle.BundleExporter;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.testing.MiniHdfsExtension;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The registry on a real HDFS (a NameNode and two DataNodes): export, promote, roll back, read back verified. */
class HdfsRegistryTest {
  @RegisterExtension
  static final MiniHdfsExtension HDFS = new MiniHdfsExtension();
  static Fixtures.Runs runs;

  @BeforeAll
  static void train() throws Exception {
    runs = Fixtures.runs(); // trained on the local file system; the registry below lives on HDFS
  }

  @Test
  void exportPromoteRollBackAndReadBackOnHdfs() throws Exception {
    String root = HDFS.uri() + "/tandem/registry";
    FsModelRegistry registry = FsModelRegistry.at(root);
    BundleExporter.Request req = new BundleExporter.Request(runs.twoTower().root().toString(), "best", runs.ranking().root().toString(),
        "best", null, null);
    VersionManifest v1 = BundleExporter.export(registry, "recs", req);
    VersionManifest v2 = BundleExporter.export(registry, "recs", new BundleExporter.Request(runs.twoTower().root().toString(), "latest",
        null, null, null, null));
    assertThat(v1.version()).isEqualTo(1);
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.parent()).isEqualTo(1);
    assertThat(v1.models()).containsKeys("retrieval", "ranking");
    assertThat(v2.models()).containsOnlyKeys("retrieval");
    assertThat(v1.models().get("retrieval").metrics().values()).containsKey("recall@10").doesNotContainKey("format");
    assertThat(v1.models().get("retrieval").baseline().name()).isEqualTo("popularity");
    assertThat(v1.models().get("retrieval").baseline().scores().values()).containsKey("recall@10");
    assertThat(v1.models().get("ranking").baseline().name()).isEqualTo("logistic_regression");
    assertThat(v1.models().get("ranking").baseline().scores().values()).containsKey("auc");
    // headline numbers only: no nested groups or tables, no NaN
    assertThat(v1.models().values()).allSatisfy(m -> {
      assertThat(m.metrics().values().values()).allMatch(Double::isFinite);
      assertThat(m.baseline().scores().values().values()).allMatch(Double::isFinite);
      assertThat(m.metrics().groups()).isEmpty();
      assertThat(m.metrics().calibration()).isEmpty();
    });
    assertThat(v1.models().get("retrieval").provenance().datasetFingerprint()).isEqualTo(runs.dataset().fingerprint());
    assertThat(v1.files()).containsKeys(ServingBundle.USER_TOWER, ServingBundle.ITEM_VECTORS, ServingBundle.RANKING_MODEL,
        ServingBundle.TRANSFORM, ServingBundle.USERS, ServingBundle.ITEMS, ServingBundle.PROFILE, ServingBundle.SERVING);
    Path tower = new Path(registry.versionDir("recs", 1), ServingBundle.USER_TOWER);
    assertThat(tower.toString()).startsWith("hdfs://");
    assertThat(Fs.status(tower).getReplication()).isEqualTo((short) 2);

    registry.promote("recs", "production", 1);
    registry.promote("recs", "production", 2);
    assertThat(registry.resolve("recs", "production")).isEqualTo(2);
    assertThat(registry.rollback("recs", "production").version()).isEqualTo(1);

    // read back through a reference, every checksum verified, and serve from it
    ServingBundle bundle = ServingBundle.load(ModelRef.parse(root + "/recs@production", null));
    assertThat(bundle.version()).isEqualTo(1);
    assertThat(bundle.hasRanking()).isTrue();
    assertThat(bundle.items().size()).isEqualTo(runs.dataset().items().size());
    String user = runs.dataset().users().id(3);
    try (BundleRecommender rec = new BundleRecommender(bundle)) {
      Recommendations r = rec.recommend(RecommendRequest.of(user, 10));
      assertThat(r.items()).hasSize(10).doesNotHaveDuplicates();
      assertThat(r.version()).isEqualTo(1);
    }

    // one flipped byte in a file on HDFS: the version is refused, naming the file
    byte[] bytes = Fs.readAll(tower);
    bytes[bytes.length / 2] ^= 0x55;
    try (FSDataOutputStream out = Fs.fs(tower).create(tower, true)) {
      out.write(bytes);
    }
    assertThatThrownBy(() -> ServingBundle.load(registry, "recs", "production")).isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("hdfs://").hasMessageContaining(ServingBundle.USER_TOWER).hasMessageContaining("checksum mismatch");
    // the other version is untouched
    assertThat(ServingBundle.load(registry, "recs", "v2").version()).isEqualTo(2);
  }
}
