package dev.tandem.ps.spark;

import dev.tandem.config.ConfigException;
import dev.tandem.ps.ClusterConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The spark-submit command that runs a training job on a cluster: master, deploy mode, resources, the Java 17 and
 * Aeron flags for driver and executors, the executor environment, the files the driver needs, the application jar and
 * the {@code tandem train} arguments. Pure: it only builds the command; {@code tandem submit} prints or runs it.
 *
 * <p>Where the command comes from: {@code $SPARK_HOME/bin/spark-submit} when a Spark installation is given; for a
 * standalone or local master without one (the loopback cluster of scripts/local-cluster.sh), Spark's own launcher
 * class run from Tandem's class path, which is what spark-submit itself execs; for YARN and Kubernetes, the
 * {@code spark-submit} of the user's Spark installation (on the PATH).
 *
 * @param env  environment variables the command needs (printed as VAR=value before it)
 * @param argv the command and its arguments
 */
public record SubmitPlan(Map<String, String> env, List<String> argv) {
  /** The main class of the application jar. */
  public static final String MAIN_CLASS = "dev.tandem.cli.Tandem";

  /**
   * What to submit.
   *
   * @param cluster      the validated cluster config
   * @param clusterFile  its path
   * @param jobFile      the job config of a new run, or null when resuming
   * @param resumeRun    the run directory to continue ({@code tandem train --resume}), or null for a new run; it must
   *                     be where the driver can reach it (HDFS for a cluster-mode driver)
   * @param appJar       the application jar (Spark provided)
   * @param sparkHome    a Spark installation, or null
   * @param tandemLib    Tandem's class path folder (cli/target/lib), used when there is no Spark installation
   * @param jvmFlags     the JVM flags every Tandem JVM needs (Java 17 opens, Aeron property)
   * @param trainArgs    further {@code tandem train} arguments (--run, --set ...)
   */
  public record Request(ClusterConfig cluster, Path clusterFile, Path jobFile, String resumeRun, Path appJar, Path sparkHome, Path tandemLib,
      List<String> jvmFlags, List<String> trainArgs) {
    public Request {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(clusterFile, "clusterFile");
      if ((jobFile == null) == (resumeRun == null)) {
        throw new ConfigException("--job", "give either a job config (--job) or a run to resume (--resume)");
      }
      if (resumeRun != null && !trainArgs.isEmpty()) {
        throw new ConfigException("--resume", "a resumed run keeps its own job.yaml: --run and --set are not allowed with it, were " + trainArgs);
      }
      Objects.requireNonNull(appJar, "appJar");
      jvmFlags = List.copyOf(jvmFlags);
      trainArgs = List.copyOf(trainArgs);
    }
  }

  /**
   * The command for a request: checks that the files it names exist, and starts nothing.
   *
   * @throws dev.tandem.config.ConfigException if the request cannot be submitted as configured (the key is named)
   */
  public static SubmitPlan of(Request r) {
    ClusterConfig c = r.cluster();
    boolean clusterMode = c.deployMode().equals("cluster");
    boolean resuming = r.resumeRun() != null;
    if (!resuming && !Files.isRegularFile(r.jobFile())) {
      throw new ConfigException("--job", "no job config at " + r.jobFile());
    }
    List<String> argv = new ArrayList<>();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OMP_NUM_THREADS", "1");
    String driverFlags = String.join(" ", concat(r.jvmFlags(), c.jvmFlags()));
    if (r.sparkHome() != null) {
      argv.add(r.sparkHome().resolve("bin/spark-submit").toString());
    } else if (c.master().startsWith("spark://") || c.isLocal()) {
      if (r.tandemLib() == null) {
        throw new ConfigException("master", c.master() + " without a Spark installation needs Tandem's class path (cli/target/lib)");
      }
      // what bin/spark-submit would exec, with the driver's JVM flags applied to this very JVM (client mode)
      argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      argv.addAll(concat(r.jvmFlags(), c.jvmFlags()));
      argv.add("-Xmx" + c.driverMemory());
      argv.add("-cp");
      // the application jar first: its log4j2.xml configures the driver's logging. Then the CLI's jar, whose manifest
      // names exactly the jars of its lib/ folder this build needs (lib/* would also take what earlier builds left there)
      Path cliJar = r.tandemLib().resolveSibling("tandem.jar").toAbsolutePath();
      Path app = r.appJar().toAbsolutePath();
      argv.add(app.equals(cliJar) ? app.toString() : app + File.pathSeparator + cliJar);
      argv.add("org.apache.spark.deploy.SparkSubmit");
      if (c.aeron().controllerAddress() != null && c.aeron().controllerAddress().startsWith("127.")) {
        env.put("SPARK_LOCAL_IP", c.aeron().controllerAddress());
        env.put("DL4J_VOID_IP", c.aeron().controllerAddress());
      }
    } else {
      argv.add("spark-submit");
    }
    argv.addAll(List.of("--master", c.master(), "--deploy-mode", c.deployMode()));
    argv.addAll(List.of("--name", resuming ? "tandem-resume-" + new org.apache.hadoop.fs.Path(r.resumeRun()).getName()
        : "tandem-" + stripYaml(r.jobFile().getFileName().toString())));
    argv.addAll(List.of("--class", MAIN_CLASS));
    argv.addAll(List.of("--driver-memory", c.driverMemory(), "--executor-memory", c.executorMemory()));
    argv.addAll(List.of("--executor-cores", String.valueOf(c.executorCores())));
    if (c.master().startsWith("spark://")) {
      argv.addAll(List.of("--total-executor-cores", String.valueOf(c.executors() * c.executorCores())));
    } else if (!c.isLocal()) {
      argv.addAll(List.of("--num-executors", String.valueOf(c.executors())));
    }
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.driver.extraJavaOptions", driverFlags);
    conf.put("spark.executor.extraJavaOptions", String.join(" ", concat(r.jvmFlags(), c.jvmFlags())));
    conf.put("spark.executorEnv.OMP_NUM_THREADS", "1");
    if (c.aeron().controllerAddress() == null && c.aeron().networkMask() == null) {
      throw new ConfigException("aeron.controller_address", "set aeron.controller_address or aeron.network_mask in " + r.clusterFile()
          + ": executors must know where the driver's parameter server listens");
    }
    if (c.aeron().controllerAddress() != null && c.aeron().controllerAddress().startsWith("127.")) {
      conf.put("spark.executorEnv.DL4J_VOID_IP", c.aeron().controllerAddress());
    }
    if (c.hdfs().defaultFs() != null) {
      conf.put("spark.hadoop.fs.defaultFS", c.hdfs().defaultFs());
    }
    if (c.master().equals("yarn")) {
      conf.put("spark.yarn.appMasterEnv.OMP_NUM_THREADS", "1");
      argv.addAll(List.of("--queue", c.yarn().queue()));
      if (!c.yarn().archives().isEmpty()) {
        argv.addAll(List.of("--archives", String.join(",", c.yarn().archives())));
      }
    }
    if (c.master().startsWith("k8s://")) {
      conf.put("spark.kubernetes.namespace", c.kubernetes().namespace());
      conf.put("spark.kubernetes.container.image", c.kubernetes().image());
      conf.put("spark.kubernetes.authenticate.driver.serviceAccountName", c.kubernetes().serviceAccount());
      conf.put("spark.kubernetes.driverEnv.OMP_NUM_THREADS", "1");
      String upload = c.kubernetes().uploadPath() != null ? c.kubernetes().uploadPath()
          : c.hdfs().defaultFs() != null ? c.hdfs().defaultFs() + "/tandem/uploads" : null;
      if (upload == null) {
        throw new ConfigException("kubernetes.upload_path", "set kubernetes.upload_path (or hdfs.default_fs) in " + r.clusterFile()
            + ": spark-submit uploads the job files there for the driver pod");
      }
      conf.put("spark.kubernetes.file.upload.path", upload);
    }
    conf.putAll(c.sparkConf());
    conf.forEach((k, v) -> argv.addAll(List.of("--conf", k + "=" + v)));
    // in cluster mode the driver runs elsewhere: ship the two configs; it finds them in its working directory
    argv.addAll(List.of("--files", (resuming ? "" : r.jobFile().toAbsolutePath() + ",") + r.clusterFile().toAbsolutePath()));
    argv.add(c.master().startsWith("k8s://") ? c.kubernetes().appJar() : r.appJar().toAbsolutePath().toString());
    argv.add("train");
    if (resuming) {
      argv.addAll(List.of("--resume", r.resumeRun())); // its job.yaml already says cluster.mode: spark
    } else {
      argv.addAll(List.of("--config", clusterMode ? r.jobFile().getFileName().toString() : r.jobFile().toAbsolutePath().toString()));
    }
    argv.addAll(List.of("--cluster", clusterMode ? r.clusterFile().getFileName().toString() : r.clusterFile().toAbsolutePath().toString()));
    if (!resuming) {
      argv.addAll(List.of("--set", "cluster.mode=spark"));
    }
    argv.addAll(r.trainArgs());
    return new SubmitPlan(env, argv);
  }

  /** The command as one shell line a person can copy (arguments quoted where the shell needs it). */
  public String toShell() {
    String e = env.entrySet().stream().map(x -> x.getKey() + "=" + quote(x.getValue())).collect(Collectors.joining(" "));
    StringBuilder sb = new StringBuilder(e.isEmpty() ? "" : e + " ");
    int appJar = argv.lastIndexOf("train") - 1;
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i);
      if (i > 0) {
        sb.append((a.startsWith("--") && i > 1) || i == appJar ? " \\\n    " : " ");
      }
      sb.append(quote(a));
    }
    return sb.toString();
  }

  private static String quote(String s) {
    if (!s.isEmpty() && s.matches("[A-Za-z0-9_./:=,@%+-]+")) {
      return s;
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static String stripYaml(String name) {
    return name.replaceAll("\\.ya?ml$", "");
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    for (String s : b) {
      if (!out.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }
}
