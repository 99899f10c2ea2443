package dev.tandem.cli.retrain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.serving.ServingConfig;
import dev.tandem.serving.bundle.ServingBundle;
import dev.tandem.serving.registry.AliasState;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.Publication;
import dev.tandem.serving.registry.VersionManifest;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.metrics.Scores;
import dev.tandem.trainer.model.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Mirrors the loop's decisions into a model registry: a promoted challenger becomes a registry version (its ranking
 * model, feature transform, profile and the decision) and the alias moves to it; a kept champion is a {@code keep}
 * entry in the alias's log. Every entry carries the cycle's decision as its evidence. Idempotent: a cycle already in
 * the alias's log is not logged again, and a challenger already published is not published twice.
 *
 * <p>Such a version holds a ranking model only: {@code registry list/show/diff/promote/rollback} work on it, serving
 * it needs a retrieval model too (a bundle of {@code tandem export}).
 */
public final class RegistrySync {
  private static final Logger LOG = LogManager.getLogger(RegistrySync.class);
  static final String DECISION = "retrain/decision.json";

  private RegistrySync() {}

  /** Applies the decision of the cycle to the configured registry alias; returns the alias's new entry, or null if it was there. */
  static AliasState apply(Workspace ws, RetrainConfig.Registry target, Decision d, Workspace.Model challenger) {
    FsModelRegistry reg = FsModelRegistry.at(target.uri());
    JsonNode evidence = Persisted.json().valueToTree(d);
    for (AliasState e : reg.aliasLog(target.name(), target.alias())) {
      if (e.evidence() != null && d.cycle().equals(e.evidence().path("cycle").asText())) {
        return null; // logged before this process was stopped
      }
    }
    if (d.promoted() || d.decision().equals("initial")) {
      int version = published(reg, target.name(), challenger).orElseGet(() -> reg.publish(target.name(), publication(challenger, d)).version());
      LOG.info("{} of {} -> v{} ({})", target.alias(), target.name(), version, d.decision());
      return reg.promote(target.name(), target.alias(), version, evidence);
    }
    if (reg.alias(target.name(), target.alias()).isEmpty()) {
      return null; // nothing to keep: the alias was never set
    }
    return reg.keep(target.name(), target.alias(), evidence);
  }

  private static java.util.Optional<Integer> published(FsModelRegistry reg, String name, Workspace.Model m) {
    String run = m.run().root().toString();
    for (VersionManifest v : reg.versions(name)) {
      VersionManifest.ModelEntry r = v.models().get("ranking");
      if (r != null && run.equals(r.run())) {
        return java.util.Optional.of(v.version());
      }
    }
    return java.util.Optional.empty();
  }

  static Publication publication(Workspace.Model m, Decision d) {
    return staging -> {
      Checkpoint c = Workspace.checkpoint(m);
      PreparedDataset ds = m.dataset();
      write(staging, ServingBundle.RANKING_SPEC, Persisted.write(c.spec(), ModelSpec.FORMAT));
      ByteArrayOutputStream model = new ByteArrayOutputStream();
      ModelSerializer.writeModel(c.graph(), model, false);
      write(staging, ServingBundle.RANKING_MODEL, model.toByteArray());
      write(staging, ServingBundle.RANKING_JOB, c.jobYaml().getBytes(StandardCharsets.UTF_8));
      write(staging, ServingBundle.TRANSFORM, c.transform().toJson().getBytes(StandardCharsets.UTF_8));
      write(staging, ServingBundle.PROFILE, Fs.readAll(new Path(ds.dir(), "profile.json")));
      write(staging, ServingBundle.SERVING, ServingConfig.DEFAULT_YAML.getBytes(StandardCharsets.UTF_8));
      write(staging, DECISION, Persisted.write(d, Decision.FORMAT));
      Map<String, Double> finite = new LinkedHashMap<>();
      if (d.challengerMetrics() != null) {
        d.challengerMetrics().forEach((k, v) -> {
          if (v != null && Double.isFinite(v)) {
            finite.put(k, v);
          }
        });
      }
      Map<String, VersionManifest.ModelEntry> models = new LinkedHashMap<>();
      models.put("ranking", new VersionManifest.ModelEntry("ranking/" + c.spec().config().architecture().key(), m.run().root().toString(),
          c.id(), "window " + d.windowFrom() + " to " + d.cycle(), Scores.of(finite), null, ConfigLoader.yaml().readTree(c.jobYaml()),
          c.provenance()));
      return new Publication.Contents(models, new VersionManifest.DatasetEntry(ds.fingerprint(), ds.dir().toString(), ServingBundle.PROFILE,
          ds.users().size(), ds.items().size()), ConfigLoader.yaml().readTree(ServingConfig.DEFAULT_YAML), null);
    };
  }

  private static void write(Path staging, String name, byte[] bytes) throws IOException {
    Fs.writeAtomically(new Path(staging, name), bytes);
  }

  /** For the report: the alias's log, oldest first. */
  static List<AliasState> log(RetrainConfig.Registry target) {
    return FsModelRegistry.at(target.uri()).aliasLog(target.name(), target.alias());
  }
}
