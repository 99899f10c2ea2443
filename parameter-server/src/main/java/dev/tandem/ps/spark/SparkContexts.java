package dev.tandem.ps.spark;

import dev.tandem.ps.ClusterConfig;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark context of a run: the one spark-submit created (its master, executors and settings win), or one built
 * here from a cluster-config file when `tandem train` is run directly (local mode, or a standalone master).
 */
final class SparkContexts {
  private SparkContexts() {}

  /** Whether this JVM was launched by spark-submit (a master is already configured). */
  static boolean launchedBySparkSubmit() {
    return System.getProperty("spark.master") != null;
  }

  static JavaSparkContext open(ClusterConfig c, String appName) {
    SparkConf conf = new SparkConf();
    if (!launchedBySparkSubmit()) {
      conf.setMaster(c.master()).setAppName(appName);
      conf.set("spark.executor.instances", String.valueOf(c.executors()));
      conf.set("spark.executor.cores", String.valueOf(c.executorCores()));
      conf.set("spark.cores.max", String.valueOf(c.executors() * c.executorCores()));
      conf.set("spark.executor.memory", c.executorMemory());
      conf.set("spark.executor.extraJavaOptions", String.join(" ", executorJvmFlags(c)));
      conf.set("spark.executorEnv.OMP_NUM_THREADS", "1");
      if (c.aeron().controllerAddress() != null && c.aeron().controllerAddress().startsWith("127.")) {
        conf.set("spark.driver.host", c.aeron().controllerAddress());
        conf.set("spark.driver.bindAddress", c.aeron().controllerAddress());
      }
      if (c.hdfs().defaultFs() != null) {
        conf.set("spark.hadoop.fs.defaultFS", c.hdfs().defaultFs());
      }
      conf.set("spark.ui.enabled", "false");
      for (Map.Entry<String, String> e : c.sparkConf().entrySet()) {
        conf.set(e.getKey(), e.getValue());
      }
    }
    return JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(conf));
  }

  /**
   * JVM flags for executors: the Java 17 opens and the Aeron property this JVM was started with (scripts/jvm-flags),
   * plus the cluster's own.
   */
  static List<String> executorJvmFlags(ClusterConfig c) {
    List<String> out = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("-Daeron.")) {
        out.add(a);
      }
    }
    out.addAll(c.jvmFlags());
    return out;
  }
}
