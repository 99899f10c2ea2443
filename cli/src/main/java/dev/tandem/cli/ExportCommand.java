package dev.tandem.cli;

import dev.tandem.fs.Fs;
import dev.tandem.serving.bundle.BundleExporter;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.ModelName;
import dev.tandem.serving.registry.VersionManifest;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem export}: training runs to a new registry version. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Publish a new immutable registry version NAME/vN: a serving bundle of a two-tower run (retrieval) and optionally a"
        + " ranking run on the same dataset, with a manifest of metrics, configs, provenance and checksums.")
final class ExportCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--run", required = true, description = "The two-tower (retrieval) run directory.")
  String run;
  @Option(names = "--checkpoint", defaultValue = "best", description = "best, latest or a checkpoint id (default: ${DEFAULT-VALUE}).")
  String checkpoint;
  @Option(names = "--ranking-run", description = "A ranking run trained on the same dataset, to rank the retrieved candidates.")
  String rankingRun;
  @Option(names = "--ranking-checkpoint", defaultValue = "best", description = "Checkpoint of the ranking run (default: ${DEFAULT-VALUE}).")
  String rankingCheckpoint;
  @Option(names = "--registry", required = true, description = "Registry root (any Hadoop FileSystem URI or a local path).")
  String registry;
  @Option(names = "--name", required = true, description = "Model name (letters, digits, '_', '-', '.').")
  String name;
  @Option(names = "--rules", paramLabel = "FILE", description = "Serving configuration (serving.yaml: retrieval, business rules, cache) to ship"
      + " with the version; default: the built-in defaults.")
  String rules;
  @Option(names = "--parent", paramLabel = "vN", description = "The version this one was retrained to replace (default: what production"
      + " points to, else the latest version).")
  String parent;

  @Override
  public Integer call() {
    ModelName.check(name);
    String servingYaml = null;
    if (rules != null) {
      try {
        servingYaml = Fs.readString(Fs.path(rules));
      } catch (FileNotFoundException e) {
        throw new IllegalArgumentException("serving configuration not found: " + rules);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + rules, e);
      }
    }
    FsModelRegistry reg = FsModelRegistry.at(registry);
    Integer parentVersion = parent == null ? null : reg.resolve(name, parent);
    VersionManifest m = BundleExporter.export(reg, name, new BundleExporter.Request(run, checkpoint, rankingRun, rankingCheckpoint,
        servingYaml, parentVersion));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("exported %s v%d to %s%s%n", m.name(), m.version(), reg.versionDir(m.name(), m.version()),
        m.parent() == null ? "" : " (parent v" + m.parent() + ")");
    printModels(out, m);
    VersionManifest.FileEntry history = m.files().get(dev.tandem.serving.bundle.ServingBundle.HISTORY_EVENTS);
    if (history != null) {
      out.printf("  history:   %s (%,d bytes): the dataset's events as of export, replayed when the version is loaded%n",
          dev.tandem.serving.bundle.ServingBundle.HISTORY_EVENTS, history.bytes());
    }
    long bytes = m.files().values().stream().mapToLong(VersionManifest.FileEntry::bytes).sum();
    out.printf("files: %d (%,d bytes), each with its SHA-256 in %s%n", m.files().size(), bytes, VersionManifest.FILE);
    out.printf("next: tandem registry promote %s/%s@v%d --alias production%n", reg.root(), m.name(), m.version());
    out.flush();
    return 0;
  }

  /** One line per model: kind, checkpoint and its headline metrics beside the baseline's. */
  static void printModels(PrintWriter out, VersionManifest m) {
    for (Map.Entry<String, VersionManifest.ModelEntry> e : m.models().entrySet()) {
      VersionManifest.ModelEntry me = e.getValue();
      StringBuilder sb = new StringBuilder();
      for (String k : e.getKey().equals("retrieval") ? new String[] {"recall@10", "ndcg@10"} : new String[] {"auc", "logloss"}) {
        Double v = me.metrics().values().get(k);
        if (v != null) {
          sb.append(String.format(", %s %s (%s %s)", k, Tables.format(v), RegistryCommand.baselineName(me),
              Tables.format(me.baseline() == null ? null : me.baseline().scores().values().get(k))));
        }
      }
      out.printf("  %-11s%s, checkpoint %s%s [%s split]%n", e.getKey() + ":", me.kind(), me.checkpoint(), sb, me.split());
    }
  }
}
