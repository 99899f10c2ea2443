package dev.tandem.testing;

import dev.tandem.fs.Fs;
import java.io.File;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS (NameNode + DataNodes, in this JVM, on loopback) for tests: {@code hdfs://127.0.0.1:port/}. While it runs,
 * {@link Fs} reaches it with the cluster's client configuration; {@link #close()} puts back the configuration it found.
 */
public final class MiniHdfs implements AutoCloseable {
  private final MiniDFSCluster cluster;
  private final Configuration previous;
  private boolean closed;

  public MiniHdfs(File baseDir, int dataNodes) throws IOException {
    previous = Fs.conf();
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
    Configuration client = new Configuration(cluster.getConfiguration(0));
    Fs.setConf(client);
  }

  /** The file system's root URI, e.g. {@code hdfs://127.0.0.1:40123}. */
  public String uri() {
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }

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
    try {
      cluster.shutdown(true);
    } finally {
      Fs.setConf(previous);
    }
  }
}
