package dev.tandem.testing;

import java.io.File;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS (NameNode + DataNodes, in this JVM, on loopback) for tests: {@code hdfs://127.0.0.1:port/}. Tests reach
 * it through {@link #uri()} alone, with Tandem's fixed Hadoop configuration: starting one changes no process-wide
 * setting, so several can run in one JVM. The client's replication (2, as these clusters have two DataNodes) comes
 * from testkit's {@code hdfs-site.xml}, the way a cluster's clients read theirs from HADOOP_CONF_DIR.
 */
public final class MiniHdfs implements AutoCloseable {
  private final MiniDFSCluster cluster;
  private boolean closed;

  /** Starts the cluster (about 15 s); the caller closes it. */
  public MiniHdfs(File baseDir, int dataNodes) throws IOException {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.getAbsolutePath());
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.setInt("dfs.replication", Math.min(2, dataNodes));
    conf.setBoolean("dfs.permissions.enabled", false);
    cluster = new MiniDFSCluster.Builder(conf).numDataNodes(dataNodes).build();
    cluster.waitActive();
  }

  /** The file system's root URI, e.g. {@code hdfs://127.0.0.1:40123}. */
  public String uri() {
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }

  /** The Hadoop mini-cluster itself, for what {@link #uri()} does not reach (its DataNodes, its configuration). */
  public MiniDFSCluster cluster() {
    return cluster;
  }

  /** Shuts the cluster down and deletes its files; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    cluster.shutdown(true);
  }
}
