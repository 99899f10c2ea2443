package dev.tandem.serving.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Checksums;
import dev.tandem.serving.Fixtures;
import dev.tandem.serving.bundle.BundleExporter;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.testing.NewerFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry version and alias log that a newer Tandem wrote (each JSON file with a field this version does not know)
 * still resolve, verify and load as a serving bundle: {@code manifest.json}, alias entries and the models' specs.
 */
class ForwardCompatibilityTest {
  @TempDir
  Path dir;

  @Test
  void versionManifestAliasEntriesAndSpecsTolerateAnAddedField() throws Exception {
    Fixtures.Runs runs = Fixtures.runs();
    FsModelRegistry registry = FsModelRegistry.at(dir.resolve("registry").toString());
    VersionManifest v1 = BundleExporter.export(registry, "recs", new BundleExporter.Request(runs.twoTower().root().toString(), "best",
        runs.ranking().root().toString(), "best", null, null));
    registry.promote("recs", "production", v1.version());

    Path version = dir.resolve("registry/recs/v1");
    ObjectNode manifest = (ObjectNode) Persisted.json().readTree(Files.readAllBytes(version.resolve(VersionManifest.FILE)));
    for (String spec : new String[] {ServingBundle.RETRIEVAL_SPEC, ServingBundle.RANKING_SPEC}) {
      byte[] bytes = NewerFiles.addUnknownField(version.resolve(spec));
      ((ObjectNode) manifest.get("files").get(spec)).put("bytes", bytes.length).put("sha256", Checksums.sha256(bytes));
    }
    byte[] newManifest = NewerFiles.addUnknownField(Persisted.json().writeValueAsBytes(manifest));
    Files.write(version.resolve(VersionManifest.FILE), newManifest);
    Files.writeString(version.resolve(VersionManifest.CHECKSUM_FILE), Checksums.sha256(newManifest) + "\n", StandardCharsets.US_ASCII);
    try (var entries = Files.list(dir.resolve("registry/recs/aliases/production"))) {
      for (Path e : entries.toList()) {
        NewerFiles.addUnknownField(e);
      }
    }

    assertThat(registry.resolve("recs", "production")).isEqualTo(1);
    assertThat(registry.alias("recs", "production").orElseThrow().version()).isEqualTo(1);
    VerifiedVersion read = registry.read("recs", 1);
    assertThat(read.manifest().models()).containsOnlyKeys("retrieval", "ranking");
    assertThat(read.manifest().models().get("retrieval").provenance().runtime()).isNotNull();
    ServingBundle bundle = ServingBundle.load(registry, "recs", "production");
    assertThat(bundle.version()).isEqualTo(1);
    assertThat(bundle.rankingSpec()).isNotNull();
  }
}
