package dev.tandem.ps;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Prepares one JVM (the driver or an executor) for the Aeron media driver that DL4J's parameter server embeds, and
 * checks up front what would otherwise make it hang or fail obscurely: a taken UDP port, an address that does not
 * resolve, too little shared memory. Each JVM gets its own Aeron directory {@code <dir>/tandem-aeron-<role>-<pid>},
 * deleted when the JVM exits; directories left by JVMs that were killed are removed the next time a node starts.
 */
public final class AeronNode {
  private static final Logger LOG = LogManager.getLogger(AeronNode.class);
  static final String PREFIX = "tandem-aeron-";
  private static volatile String preparedDir;

  private AeronNode() {}

  /** The Aeron directory prepared for this JVM, or null. */
  public static String directory() {
    return preparedDir;
  }

  /**
   * Sets this JVM's Aeron system properties (before DL4J creates its transport). Idempotent: the first call wins.
   *
   * @param role "driver" or "executor-<id>"
   */
  public static synchronized String prepare(ClusterConfig.Aeron cfg, String role) {
    if (preparedDir != null) {
      return preparedDir;
    }
    Path parent = Path.of(cfg.dir());
    if (!Files.isDirectory(parent)) {
      throw new StartupException("aeron.dir: " + parent + " is not a directory (Aeron keeps its buffers there; /dev/shm on Linux)");
    }
    removeStale(parent);
    checkSpace(parent, cfg.minShmMb());
    String dir = parent.resolve(PREFIX + role.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + ProcessHandle.current().pid()).toString();
    System.setProperty("aeron.dir", dir);
    System.setProperty("aeron.dir.delete.on.start", "true");
    System.setProperty("aeron.dir.delete.on.shutdown", "true");
    // nd4j-aeron reads this before launching its embedded media driver (32 MB by default: 3 x 32 MB per stream)
    System.setProperty("aeron.term.buffer.length", String.valueOf(cfg.termBufferMb() * 1024L * 1024L));
    // DL4J M2's transport sets a client liveness timeout that the default unblock timeout contradicts
    // (../shared/docs/STACK.md item 4); Tandem's JVM flags set it too, this covers JVMs started otherwise
    if (System.getProperty("aeron.publication.unblock.timeout") == null) {
      System.setProperty("aeron.publication.unblock.timeout", "60000000000");
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(Path.of(dir)), "tandem-aeron-cleanup"));
    preparedDir = dir;
    LOG.info("Aeron directory of this {}: {}", role, dir);
    return dir;
  }

  /** Removes Aeron directories whose JVM no longer runs. */
  static void removeStale(Path parent) {
    removeStale(parent, PREFIX);
  }

  /**
   * Removes the directories {@code parent/<prefix>...-<pid>} whose JVM no longer runs (a JVM killed with SIGKILL
   * cannot delete its own Aeron directory).
   */
  public static void removeStale(Path parent, String prefix) {
    try (Stream<Path> s = Files.list(parent)) {
      s.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(p -> {
        String name = p.getFileName().toString();
        try {
          long pid = Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
          if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return;
          }
        } catch (NumberFormatException e) {
          return;
        }
        LOG.info("removing stale Aeron directory {} (its JVM is gone)", p);
        deleteTree(p);
      });
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", parent, e.toString());
    }
  }

  static void checkSpace(Path parent, int minMb) {
    try {
      FileStore store = Files.getFileStore(parent);
      long free = store.getUsableSpace() >> 20;
      if (free < minMb) {
        throw new StartupException("aeron: only " + free + " MB free in " + parent + ", at least " + minMb
            + " MB needed (aeron.min_shm_mb); enlarge /dev/shm (e.g. docker --shm-size) or lower aeron.term_buffer_mb");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check free space in " + parent, e);
    }
  }

  /** Resolves a host name, or fails naming the configuration key it came from. */
  public static InetAddress resolve(String host, String key) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new StartupException(key + ": address '" + host + "' does not resolve");
    }
  }

  /** Fails if the UDP port is taken on that address. */
  public static void checkUdpPortFree(String host, int port, String key) {
    InetAddress addr = resolve(host, key);
    try (DatagramSocket s = new DatagramSocket(null)) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(addr, port));
    } catch (SocketException e) {
      throw new StartupException(key + ": UDP port " + port + " on " + host + " is taken (another Tandem run or another program "
          + "uses it); choose another port", e);
    }
  }

  /** Whether a UDP port is free on an address. */
  static boolean udpPortFree(InetAddress addr, int port) {
    try (DatagramSocket s = new DatagramSocket(null)) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(addr, port));
      return true;
    } catch (SocketException e) {
      return false;
    }
  }

  /** Deletes a directory and everything in it; a failure is logged, not thrown. */
  public static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", p, e.toString());
    }
  }
}
