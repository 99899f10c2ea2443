package dev.tandem.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Parameter-server shards ({@code tandem ps}) started by this JVM on 127.0.0.1, each its own JVM with this JVM's class
 * path and flags, on free UDP ports: for benchmarks and tests that need shards of their own. {@link #close} stops them
 * (SIGTERM, then SIGKILL after 10 s; idempotent).
 */
final class ShardProcesses implements AutoCloseable {
  private final List<Process> processes = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();

  /**
   * Starts {@code n} shards with {@code heap} each (e.g. "1g") and waits until each logs that it listens.
   *
   * @param logDir where each shard's output goes ({@code ps-<i>.log})
   * @throws IllegalStateException naming the shard and its log when one does not start within a minute
   */
  static ShardProcesses start(int n, String heap, Path logDir) throws IOException, InterruptedException {
    ShardProcesses s = new ShardProcesses();
    try {
      Files.createDirectories(logDir);
      for (int i = 0; i < n; i++) {
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
          if (arg.startsWith("--add-") || arg.startsWith("-Daeron") || arg.startsWith("-Dlog4j")) {
            cmd.add(arg);
          }
        }
        cmd.add("-Xmx" + heap);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Tandem.class.getName(), "ps", "--host", "127.0.0.1", "--port",
            String.valueOf(port)));
        Path log = logDir.resolve("ps-" + i + ".log");
        s.processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start());
        s.addresses.add("127.0.0.1:" + port);
        s.logs.add(log);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      for (int i = 0; i < n; i++) {
        while (!(Files.exists(s.logs.get(i)) && Files.readString(s.logs.get(i)).contains("listening on"))) {
          if (!s.processes.get(i).isAlive() || System.nanoTime() > deadline) {
            throw new IllegalStateException("parameter-server shard " + i + " did not start; see " + s.logs.get(i));
          }
          Thread.sleep(50);
        }
      }
      return s;
    } catch (IOException | InterruptedException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (DatagramSocket d = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return d.getLocalPort();
    }
  }

  /** The shards' addresses, in shard order. */
  List<String> addresses() {
    return List.copyOf(addresses);
  }

  /** Shard {@code i}'s process. */
  Process process(int i) {
    return processes.get(i);
  }

  /** Peak resident memory of each shard's JVM so far, in bytes (Linux; -1 where unknown). */
  List<Long> peakRss() {
    List<Long> out = new ArrayList<>();
    for (Process p : processes) {
      out.add(MemoryPeak.peakRss(p.pid()));
    }
    return out;
  }

  @Override
  public void close() {
    // SIGTERM first: a shard's shutdown hook removes its Aeron directory from /dev/shm (memory), which SIGKILL leaves
    for (Process p : processes) {
      p.destroy();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Process p : processes) {
      try {
        if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        processes.forEach(Process::destroyForcibly);
        return;
      }
    }
  }
}
