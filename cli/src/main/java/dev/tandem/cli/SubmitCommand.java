package dev.tandem.cli;

import dev.tandem.config.ConfigException;
import dev.tandem.ps.ClusterConfig;
import dev.tandem.ps.spark.SubmitPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem submit}: the spark-submit command for a job on a cluster, printed (--dry-run) or run. */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = "Submit a training job to the Spark cluster a cluster-config file describes (spark-submit with the right master,"
        + " deploy mode, resources, Java 17 and Aeron flags). --dry-run prints the exact command instead. scripts/submit.sh builds the"
        + " application jar first.")
final class SubmitCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Option(names = "--cluster", required = true, description = "Cluster config (cluster-config/*.yaml).")
  Path cluster;
  @Option(names = "--job", description = "Job config (YAML) of a new run: a local path or a file: URI.")
  String job;
  @Option(names = "--resume", paramLabel = "RUN", description = "Continue the run in RUN from its last good checkpoint on the cluster"
      + " (instead of --job; RUN must be reachable by the driver, e.g. on HDFS).")
  String resume;
  @Option(names = "--dry-run", description = "Print the command; run nothing.")
  boolean dryRun;
  @Option(names = "--app-jar", description = "Application jar (default: cli/target/tandem-spark-app.jar, built by scripts/submit.sh).")
  Path appJar;
  @Option(names = "--spark-home", description = "A Spark installation whose bin/spark-submit to use (default: $SPARK_HOME).")
  Path sparkHome;
  @Option(names = "--run", description = "Run directory for the job (any Hadoop FileSystem URI).")
  String run;
  @Option(names = "--set", description = "Override a job config key (repeatable), passed to tandem train.")
  List<String> overrides = new ArrayList<>();

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (!Files.isRegularFile(cluster)) {
      throw new ConfigException("--cluster", "no cluster config at " + cluster);
    }
    ClusterConfig c = ClusterConfig.load(cluster.toString());
    Path root = Path.of(System.getProperty("tandem.root", ".")).toAbsolutePath().normalize();
    Path jar = appJar != null ? appJar : root.resolve("cli/target/tandem-spark-app.jar");
    String envHome = System.getenv("SPARK_HOME");
    Path home = sparkHome != null ? sparkHome : envHome != null && !envHome.isBlank() ? Path.of(envHome) : null;
    if (home != null && !Files.isExecutable(home.resolve("bin/spark-submit"))) {
      throw new ConfigException("--spark-home", home + " has no bin/spark-submit");
    }
    List<String> trainArgs = new ArrayList<>();
    if (run != null) {
      trainArgs.addAll(List.of("--run", run));
    }
    for (String o : overrides) {
      trainArgs.addAll(List.of("--set", o));
    }
    SubmitPlan plan = SubmitPlan.of(new SubmitPlan.Request(c, cluster, job == null ? null : localJob(job), resume, jar, home, root.resolve("cli/target/lib"), tandemJvmFlags(), trainArgs));
    PrintWriter out = spec.commandLine().getOut();
    if (dryRun) {
      out.println(plan.toShell());
      out.flush();
      return 0;
    }
    if (!Files.isRegularFile(jar)) {
      throw new ConfigException("--app-jar", "no application jar at " + jar + " (scripts/submit.sh builds it: mvn -Pspark-app package -pl cli -am)");
    }
    out.println("submitting to " + c.master() + ":");
    out.println(plan.toShell());
    out.flush();
    ProcessBuilder pb = new ProcessBuilder(plan.argv()).inheritIO();
    pb.environment().putAll(plan.env());
    Process p = pb.start();
    return p.waitFor();
  }

  /**
   * The job file as a local path. spark-submit hands the driver a local file, so a {@code file:} URI (what a sweep
   * passes) is turned into its path and any other scheme is refused by name.
   */
  static Path localJob(String job) {
    URI uri;
    try {
      uri = new URI(job);
    } catch (URISyntaxException notAUri) {
      return Path.of(job);
    }
    if (uri.getScheme() == null) {
      return Path.of(job);
    }
    if (!uri.getScheme().equals("file")) {
      throw new ConfigException("--job", "must be a local file or a file: URI (spark-submit hands the driver a local file), was " + job);
    }
    return Path.of(uri);
  }

  /** The Java 17 opens and the Aeron property this JVM was started with (scripts/jvm-flags). */
  static List<String> tandemJvmFlags() {
    List<String> out = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("-Daeron.")) {
        out.add(a);
      }
    }
    return out;
  }
}
