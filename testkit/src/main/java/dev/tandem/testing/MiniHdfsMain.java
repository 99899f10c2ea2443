package dev.tandem.testing;

import java.io.File;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS (NameNode + DataNodes) in its own JVM, for scripts/local-cluster.sh: {@code MiniHdfsMain DIR PORT
 * DATANODES}. Listens on 127.0.0.1 only; stops on SIGTERM.
 */
public final class MiniHdfsMain {
  private MiniHdfsMain() {}

  /** Starts the cluster and keeps it up until the JVM is asked to stop. */
  public static void main(String[] args) throws Exception {
    File dir = new File(args[0]);
    int port = Integer.parseInt(args[1]);
    int dataNodes = Integer.parseInt(args[2]);
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.getAbsolutePath());
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:" + port);
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.setInt("dfs.replication", Math.min(2, dataNodes));
    conf.setBoolean("dfs.permissions.enabled", false);
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).nameNodePort(port).numDataNodes(dataNodes).format(true).build();
    cluster.waitActive();
    System.out.println("HDFS ready at hdfs://127.0.0.1:" + cluster.getNameNodePort() + " with " + dataNodes + " DataNodes");
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      cluster.shutdown(true);
      done.countDown();
    }));
    done.await();
  }
}
