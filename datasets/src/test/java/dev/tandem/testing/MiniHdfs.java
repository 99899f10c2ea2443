package dev.tandem.testing;

import dev.tandem.fs.Fs;
import java.io.File;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real HDFS (NameNode + DataNodes, in this JVM, on loopback) for tests: {@code hdfs://127.0.0.1:port/}. */
public final class MiniHdfs implements AutoCloseable {
  private final MiniDFSCluster cluster;

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

  @Override
  public void close() {
    cluster.shutdown(true);
  }
}
