package dev.tandem.ps;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A cluster-config file (cluster-config/*.yaml): where Spark runs and how its JVMs reach each other. Validated on load;
 * every error names its key.
 *
 * @param name           short name
 * @param master         Spark master URL: local[N], spark://host:port, yarn, or k8s://https://host:port
 * @param deployMode     client (driver in the submitting process) or cluster
 * @param executors      number of executors
 * @param executorCores  cores per executor
 * @param executorMemory e.g. 2g
 * @param driverMemory   e.g. 2g
 * @param jvmFlags       extra JVM flags for driver and executors (the Java 17 opens Tandem needs are always added)
 * @param sparkConf      extra Spark properties (--conf key=value)
 * @param aeron          the gradient-sharing network
 * @param hdfs           the shared file system for datasets, checkpoints and runs
 * @param yarn           YARN settings (master: yarn)
 * @param kubernetes     Kubernetes settings (master: k8s://...)
 */
public record ClusterConfig(String name, String master, String deployMode, Integer executors, Integer executorCores,
    String executorMemory, String driverMemory, List<String> jvmFlags, Map<String, String> sparkConf, Aeron aeron, Hdfs hdfs,
    Yarn yarn, Kubernetes kubernetes) {

  private static final Pattern MASTER = Pattern.compile("local(\\[(\\d+|\\*)\\])?|spark://[^\\s/]+:\\d+(,[^\\s/]+:\\d+)*|yarn|k8s://https?://[^\\s]+");
  private static final Pattern MEMORY = Pattern.compile("\\d+[kmgtKMGT]");

  public ClusterConfig {
    name = Check.orDefault(name, "cluster");
    Check.requiredText(master, "master");
    Check.that(MASTER.matcher(master).matches(), "master",
        "'" + master + "' is not a Spark master URL (local[N], spark://host:port, yarn, k8s://https://host:port)");
    deployMode = Check.orDefault(deployMode, "client");
    Check.oneOf(deployMode, Set.of("client", "cluster"), "deploy_mode");
    Check.that(!(master.startsWith("local") && deployMode.equals("cluster")), "deploy_mode", "a local master runs in client mode");
    executors = Check.orDefault(executors, 2);
    Check.positive(executors, "executors");
    executorCores = Check.orDefault(executorCores, 1);
    Check.positive(executorCores, "executor_cores");
    executorMemory = Check.orDefault(executorMemory, "2g");
    Check.that(MEMORY.matcher(executorMemory).matches(), "executor_memory", "'" + executorMemory + "' is not a size like 2g or 512m");
    driverMemory = Check.orDefault(driverMemory, "2g");
    Check.that(MEMORY.matcher(driverMemory).matches(), "driver_memory", "'" + driverMemory + "' is not a size like 2g or 512m");
    jvmFlags = jvmFlags == null ? List.of() : List.copyOf(jvmFlags);
    sparkConf = sparkConf == null ? Map.of() : Map.copyOf(sparkConf);
    aeron = Check.orDefault(aeron, new Aeron(null, null, null, null, null, null, null, null));
    hdfs = Check.orDefault(hdfs, new Hdfs(null, null));
    if (master.equals("yarn")) {
      yarn = Check.orDefault(yarn, new Yarn(null, null));
    }
    if (master.startsWith("k8s://")) {
      Check.required(kubernetes, "kubernetes");
    }
  }

  /** Whether Spark runs in this JVM (local[N]): executors then share the driver's parameter server, no Aeron traffic. */
  public boolean isLocal() {
    return master.startsWith("local");
  }

  /** Loads and validates a cluster-config file. */
  public static ClusterConfig load(String location) {
    try {
      return ConfigLoader.load(location, ClusterConfig.class, List.of()).value();
    } catch (ConfigException e) {
      throw new ConfigException(e.key(), "cluster config " + location + ": " + e.getMessage().substring(e.key().isEmpty() ? 0 : e.key().length() + 2), e);
    }
  }

  /** A local-mode cluster of {@code threads} threads (no Aeron traffic: Spark local mode shares one parameter server). */
  public static ClusterConfig local(int threads) {
    return new ClusterConfig("local", "local[" + threads + "]", "client", 1, threads, "2g", "2g", null, null,
        new Aeron("127.0.0.1", null, null, null, null, null, null, null), null, null, null);
  }

  /**
   * The gradient-sharing network (DL4J's VoidConfiguration over Aeron UDP).
   *
   * @param controllerAddress  address executors use to reach the driver's parameter server (default: network_mask
   *                           match, then $SPARK_PUBLIC_DNS, then $DL4J_VOID_IP)
   * @param controllerPort     the driver's UDP port
   * @param portRange          UDP ports executors choose from, one each, so several executors can share a host
   * @param networkMask        e.g. 10.0.0.0/16: each node uses its address in this network
   * @param dir                parent directory of the per-JVM Aeron directories (shared memory)
   * @param minShmMb           free space required there at start-up
   * @param termBufferMb       Aeron term buffer length (power of two); three of these back each stream
   * @param startupTimeoutSeconds how long a node waits for a peer before failing with an explanation
   */
  public record Aeron(String controllerAddress, Integer controllerPort, List<Integer> portRange, String networkMask, String dir,
      Integer minShmMb, Integer termBufferMb, Integer startupTimeoutSeconds) implements Serializable {
    public Aeron {
      controllerPort = Check.orDefault(controllerPort, 40123);
      Check.that(controllerPort > 0 && controllerPort < 65536, "controller_port", "must be a UDP port (1-65535)");
      portRange = portRange == null ? List.of(40200, 40299) : List.copyOf(portRange);
      Check.that(portRange.size() == 2 && portRange.get(0) > 0 && portRange.get(1) < 65536 && portRange.get(0) <= portRange.get(1),
          "port_range", "must be [first, last] UDP ports");
      Check.that(controllerPort < portRange.get(0) || controllerPort > portRange.get(1), "controller_port",
          "must lie outside aeron.port_range " + portRange);
      if (networkMask != null) {
        Check.that(networkMask.matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+"), "network_mask", "'" + networkMask + "' is not like 10.0.0.0/16");
      }
      dir = Check.orDefault(dir, "/dev/shm");
      minShmMb = Check.orDefault(minShmMb, 256);
      Check.positive(minShmMb, "min_shm_mb");
      termBufferMb = Check.orDefault(termBufferMb, 8);
      Check.that(termBufferMb >= 1 && termBufferMb <= 1024 && Integer.bitCount(termBufferMb) == 1, "term_buffer_mb",
          "must be a power of two between 1 and 1024");
      startupTimeoutSeconds = Check.orDefault(startupTimeoutSeconds, 60);
      Check.positive(startupTimeoutSeconds, "startup_timeout_seconds");
    }
  }

  /**
   * @param defaultFs fs.defaultFS for the job, e.g. hdfs://127.0.0.1:9000
   * @param cache     where prepared datasets are cached (default: $defaultFs/tandem/cache)
   */
  public record Hdfs(String defaultFs, String cache) {
    public Hdfs {
      if (defaultFs != null) {
        Check.that(defaultFs.matches("[a-z][a-z0-9+.-]*://.*"), "default_fs", "'" + defaultFs + "' is not a URI like hdfs://host:9000");
      }
    }

    /** Where prepared datasets are cached: {@code cache}, else under {@code default_fs}, else {@code fallback}. */
    public String cacheOrDefault(String fallback) {
      return cache != null ? cache : defaultFs != null ? defaultFs + "/tandem/cache" : fallback;
    }
  }

  /** @param queue YARN queue; @param archives extra --archives */
  public record Yarn(String queue, List<String> archives) {
    public Yarn {
      queue = Check.orDefault(queue, "default");
      archives = archives == null ? List.of() : List.copyOf(archives);
    }
  }

  /**
   * @param namespace      Kubernetes namespace
   * @param image          container image holding Java 17 and Tandem's jars
   * @param serviceAccount the driver's service account
   * @param appJar         the application jar inside the image (a local:// URI)
   * @param uploadPath     where spark-submit uploads the job files for the driver pod (any Hadoop URI; default:
   *                       hdfs.default_fs/tandem/uploads)
   */
  public record Kubernetes(String namespace, String image, String serviceAccount, String appJar, String uploadPath) {
    public Kubernetes {
      namespace = Check.orDefault(namespace, "default");
      Check.requiredText(image, "image");
      serviceAccount = Check.orDefault(serviceAccount, "spark");
      appJar = Check.orDefault(appJar, "local:///opt/tandem/tandem-spark-app.jar");
      Check.that(appJar.startsWith("local://") || appJar.matches("[a-z][a-z0-9+.-]*://.*"), "app_jar",
          "'" + appJar + "' must be a URI the pods can read, e.g. local:///opt/tandem/tandem-spark-app.jar");
    }
  }
}
