package dev.tandem.cli;

import dev.tandem.format.Persisted;
import dev.tandem.serving.registry.AliasState;
import dev.tandem.serving.registry.FsModelRegistry;
import dev.tandem.serving.registry.ModelName;
import dev.tandem.serving.registry.ModelRef;
import dev.tandem.serving.registry.VersionDiff;
import dev.tandem.serving.registry.VersionManifest;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tandem registry list|show|promote|rollback|diff}. */
@Command(name = "registry", mixinStandardHelpOptions = true,
    description = "Inspect the model registry and move its aliases. References: REGISTRY/NAME@REF where REF is v<N>, latest or an alias"
        + " (or NAME@REF with --registry).",
    subcommands = {RegistryCommand.ListCmd.class, RegistryCommand.Show.class, RegistryCommand.Promote.class, RegistryCommand.Rollback.class,
        RegistryCommand.Diff.class})
final class RegistryCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options every subcommand takes. */
  static class RegistryOption {
    @Option(names = "--registry", description = "Registry root; then references are NAME@REF.")
    String registry;
  }

  static ModelRef ref(String text, RegistryOption opt) {
    return ModelRef.parse(text, opt.registry);
  }

  static String aliasesOf(Map<String, AliasState> aliases, int version) {
    List<String> out = new ArrayList<>();
    aliases.forEach((a, s) -> {
      if (s.version() == version) {
        out.add(a);
      }
    });
    return String.join(", ", out);
  }

  static Double metric(VersionManifest m, String model, String key) {
    VersionManifest.ModelEntry e = m.models().get(model);
    return e == null ? null : e.metrics().values().get(key);
  }

  /** The name of a model's baseline, or "baseline" when its manifest does not say. */
  static String baselineName(VersionManifest.ModelEntry e) {
    return e.baseline() == null || e.baseline().name() == null ? "baseline" : e.baseline().name();
  }

  /** {@code registry list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Model names of a registry, or the versions of one name.")
  static final class ListCmd implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "REGISTRY", description = "Registry root.")
    String registry;
    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "A model name: list its versions.")
    String name;

    @Override
    public Integer call() {
      FsModelRegistry reg = FsModelRegistry.at(registry);
      PrintWriter out = spec.commandLine().getOut();
      if (name == null) {
        Tables t = new Tables("name", "versions", "latest", "aliases");
        for (String n : reg.names()) {
          List<VersionManifest> vs = reg.versions(n);
          List<String> aliases = new ArrayList<>();
          reg.aliases(n).forEach((a, s) -> aliases.add(a + "=v" + s.version()));
          t.row(n, vs.size(), "v" + vs.get(vs.size() - 1).version(), String.join(", ", aliases));
        }
        out.println("registry " + reg.root());
        t.print(out);
        return 0;
      }
      ModelName.check(name);
      Map<String, AliasState> aliases = reg.aliases(name);
      Tables t = new Tables("version", "created", "parent", "models", "recall@10", "auc", "aliases");
      List<VersionManifest> versions = reg.versions(name);
      if (versions.isEmpty()) {
        throw new IllegalArgumentException("no model named '" + name + "' in " + reg.root());
      }
      for (VersionManifest m : versions) {
        t.row("v" + m.version(), m.created(), m.parent() == null ? "-" : "v" + m.parent(), String.join("+", m.models().keySet()),
            metric(m, "retrieval", "recall@10"), metric(m, "ranking", "auc"), aliasesOf(aliases, m.version()));
      }
      out.println(name + " in " + reg.root());
      t.print(out);
      return 0;
    }
  }

  /** {@code registry show}. */
  @Command(name = "show", mixinStandardHelpOptions = true, description = "A version's manifest: models and metrics, provenance, files.")
  static final class Show implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin
    RegistryOption opt = new RegistryOption();
    @Parameters(index = "0", paramLabel = "REF", description = "REGISTRY/NAME@REF (default REF: latest).")
    String ref;
    @Option(names = "--json", description = "Print the whole manifest as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      ModelRef r = ref(ref, opt).orElse("latest");
      FsModelRegistry reg = FsModelRegistry.at(r.registry());
      VersionManifest m = reg.manifest(r.name(), reg.resolve(r.name(), r.ref()));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(Persisted.json().writerWithDefaultPrettyPrinter().writeValueAsString(m));
        out.flush();
        return 0;
      }
      out.printf("%s v%d  created %s  parent %s  exported by tandem %s%n", m.name(), m.version(), m.created(),
          m.parent() == null ? "-" : "v" + m.parent(), m.codeVersion());
      String aliases = aliasesOf(reg.aliases(m.name()), m.version());
      out.printf("aliases: %s%n%n", aliases.isEmpty() ? "-" : aliases);
      printDecisions(out, reg, m);
      for (Map.Entry<String, VersionManifest.ModelEntry> e : m.models().entrySet()) {
        VersionManifest.ModelEntry me = e.getValue();
        out.printf("%s: %s, checkpoint %s of %s%n", e.getKey(), me.kind(), me.checkpoint(), me.run());
        if (me.provenance() != null) {
          out.printf("  config sha256 %s, code %s, trained %s%n", abbrev(me.provenance().configSha256()), me.provenance().codeVersion(),
              me.provenance().createdAt());
        }
        Tables t = new Tables("metric (" + me.split() + ")", "model", baselineName(me));
        Map<String, Double> baseline = me.baseline() == null ? Map.of() : me.baseline().scores().values();
        me.metrics().values().forEach((name, value) -> {
          if (!name.equals("users") && !name.equals("examples")) {
            t.row(name, value, baseline.get(name));
          }
        });
        t.print(out);
        out.println();
      }
      VersionManifest.DatasetEntry d = m.dataset();
      out.printf("dataset: fingerprint %s, %,d users, %,d items, at %s (profile: %s)%n", d.fingerprint(), d.users(), d.items(), d.path(),
          d.profile());
      Tables f = new Tables("file", "bytes", "sha256");
      m.files().forEach((n, e) -> f.row(n, e.bytes(), abbrev(e.sha256())));
      out.println();
      f.print(out);
      return 0;
    }

    /**
     * The log of every alias pointing at this version, with the evidence its entries carry (a retraining cycle's
     * decision: the models' metrics, the interval of their difference, the drift verdict and the reasons).
     */
    static void printDecisions(PrintWriter out, FsModelRegistry reg, VersionManifest m) {
      for (Map.Entry<String, AliasState> a : reg.aliases(m.name()).entrySet()) {
        if (a.getValue().version() != m.version()) {
          continue;
        }
        List<AliasState> log = reg.aliasLog(m.name(), a.getKey());
        out.printf("log of %s (%d entries):%n", a.getKey(), log.size());
        Tables t = new Tables("#", "when", "action", "version", "evidence");
        for (AliasState e : log) {
          t.row(e.sequence(), e.updated(), e.action(), "v" + e.version(), summary(e.evidence()));
        }
        t.print(out);
        out.println();
      }
    }

    static String summary(com.fasterxml.jackson.databind.JsonNode ev) {
      if (ev == null || ev.isNull()) {
        return "-";
      }
      StringBuilder sb = new StringBuilder();
      if (ev.has("cycle")) {
        sb.append("cycle ").append(ev.get("cycle").asText()).append(": ");
      }
      com.fasterxml.jackson.databind.JsonNode d = ev.path("difference");
      if (d.has("estimate")) {
        sb.append(String.format(java.util.Locale.ROOT, "challenger - champion %+.4f [%+.4f, %+.4f]; ", d.get("estimate").asDouble(),
            d.get("lo").asDouble(), d.get("hi").asDouble()));
      }
      if (ev.path("drift").has("status")) {
        sb.append("drift ").append(ev.path("drift").get("status").asText()).append("; ");
      }
      List<String> reasons = new ArrayList<>();
      ev.path("reasons").forEach(r -> reasons.add(r.asText()));
      sb.append(String.join("; ", reasons));
      return sb.toString();
    }

    private static String abbrev(String s) {
      return s == null ? "-" : s.length() > 16 ? s.substring(0, 16) + "…" : s;
    }
  }

  /** {@code registry promote}. */
  @Command(name = "promote", mixinStandardHelpOptions = true, description = "Point an alias (default: production) at a version, atomically.")
  static final class Promote implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin
    RegistryOption opt = new RegistryOption();
    @Parameters(index = "0", paramLabel = "REF", description = "The version: REGISTRY/NAME@v7, @latest, or another alias (e.g. @staging).")
    String ref;
    @Option(names = "--alias", defaultValue = "production", description = "The alias to move (default: ${DEFAULT-VALUE}).")
    String alias;

    @Override
    public Integer call() {
      ModelRef r = ref(ref, opt);
      if (r.ref() == null) {
        throw new IllegalArgumentException("say which version to promote: " + r + "@v<N> (or @latest, @staging)");
      }
      ModelName.checkAlias(alias);
      FsModelRegistry reg = FsModelRegistry.at(r.registry());
      int version = reg.resolve(r.name(), r.ref());
      AliasState s = reg.promote(r.name(), alias, version);
      spec.commandLine().getOut().printf("%s of %s: %s -> v%d%n", alias, r.name(), s.previous() == null ? "(new)" : "v" + s.previous(),
          s.version());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  /** {@code registry rollback}. */
  @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Point an alias back at the version it pointed to before.")
  static final class Rollback implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin
    RegistryOption opt = new RegistryOption();
    @Parameters(index = "0", paramLabel = "NAME", description = "REGISTRY/NAME (or NAME with --registry).")
    String ref;
    @Option(names = "--alias", defaultValue = "production", description = "The alias to roll back (default: ${DEFAULT-VALUE}).")
    String alias;

    @Override
    public Integer call() {
      ModelRef r = ref(ref, opt);
      AliasState s = FsModelRegistry.at(r.registry()).rollback(r.name(), alias);
      spec.commandLine().getOut().printf("%s of %s: v%d -> v%d (rolled back)%n", alias, r.name(), s.previous(), s.version());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  /** {@code registry diff}. */
  @Command(name = "diff", mixinStandardHelpOptions = true, description = "Compare two versions' metrics and configurations.")
  static final class Diff implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin
    RegistryOption opt = new RegistryOption();
    @Parameters(index = "0", paramLabel = "A", description = "REGISTRY/NAME@REF")
    String a;
    @Parameters(index = "1", paramLabel = "B", description = "REGISTRY/NAME@REF, or just REF (same name)")
    String b;

    @Override
    public Integer call() {
      ModelRef ra = ref(a, opt).orElse("latest");
      ModelRef rb;
      if (b.contains("/") || (b.indexOf('@') > 0 && opt.registry != null)) {
        rb = ref(b, opt).orElse("latest"); // a full reference
      } else {
        rb = new ModelRef(ra.registry(), ra.name(), b.startsWith("@") ? b.substring(1) : b); // another version of A's model
      }
      FsModelRegistry regA = FsModelRegistry.at(ra.registry());
      FsModelRegistry regB = FsModelRegistry.at(rb.registry());
      VersionManifest ma = regA.manifest(ra.name(), regA.resolve(ra.name(), ra.ref()));
      VersionManifest mb = regB.manifest(rb.name(), regB.resolve(rb.name(), rb.ref()));
      VersionDiff d = VersionDiff.of(ma, mb);
      PrintWriter out = spec.commandLine().getOut();
      String la = ma.name() + " v" + ma.version();
      String lb = mb.name() + " v" + mb.version();
      out.printf("%s -> %s%n%nmetrics%n", la, lb);
      Tables t = new Tables("metric", la, lb, "change");
      for (VersionDiff.MetricRow m : d.metrics()) {
        t.row(m.key(), m.a(), m.b(), m.delta() == null ? null : String.format("%+.4f", m.delta()));
      }
      t.print(out);
      out.printf("%nconfiguration%n");
      if (d.config().isEmpty()) {
        out.println("(identical)");
      } else {
        Tables c = new Tables("key", la, lb);
        for (VersionDiff.ConfigChange ch : d.config()) {
          c.row(ch.key(), ch.a(), ch.b());
        }
        c.print(out);
      }
      out.flush();
      return 0;
    }
  }
}
