package dev.tandem.ps.shard;

import static dev.tandem.ps.shard.ShardFixtures.client;
import static dev.tandem.ps.shard.ShardFixtures.freePort;
import static dev.tandem.ps.shard.ShardFixtures.specs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.trainer.embedding.InProcessEmbeddingStore;
import dev.tandem.trainer.embedding.ShardUnavailableException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A shard in a JVM of its own ({@code ShardServer.main}, what {@code tandem ps} runs), driven from this one. */
class ShardProcessTest {
  private Path aeronParent;
  private final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void dir() throws Exception {
    Path shm = Path.of("/dev/shm");
    aeronParent = Files.createTempDirectory(Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")), "ps-test-");
  }

  @AfterEach
  void cleanUp() {
    processes.forEach(Process::destroyForcibly);
    ShardServer.deleteTree(aeronParent);
  }

  /** A started shard process and the lines it prints. */
  private record Shard(Process process, String address, BlockingQueue<String> lines) {}

  private Shard start(int port) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("-D")) {
        cmd.add(arg);
      }
    }
    cmd.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), ShardServer.class.getName(), "--port",
        String.valueOf(port), "--aeron-dir", aeronParent.toString(), "--term-buffer-mb", "1", "--report-every", "1"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    processes.add(p);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (Exception e) {
        // the process ended
      }
    }, "shard-output");
    reader.setDaemon(true);
    reader.start();
    // the line serve() prints (the log line before it says the same and more)
    String listening = "parameter-server shard listening on 127.0.0.1:" + port;
    await(lines, listening, true, 60);
    return new Shard(p, "127.0.0.1:" + port, lines);
  }

  private static String await(BlockingQueue<String> lines, String text, int seconds) throws InterruptedException {
    return await(lines, text, false, seconds);
  }

  private static String await(BlockingQueue<String> lines, String text, boolean whole, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<String> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line != null) {
        seen.add(line);
        if (whole ? line.equals(text) : line.contains(text)) {
          return line;
        }
      }
    }
    throw new AssertionError("no line with '" + text + "' within " + seconds + " s; output: " + String.join("\n", seen));
  }

  private List<Path> shardDirs() throws Exception {
    try (Stream<Path> s = Files.list(aeronParent)) {
      return s.toList();
    }
  }

  @Test
  void aShardKilledWithSigkillIsReportedWithinTheTimeoutNamingIt() throws Exception {
    Shard remoteShard = start(freePort());
    Duration timeout = Duration.ofSeconds(3);
    try (ShardServer local = ShardServer.launch(ShardFixtures.server(freePort()));
        InProcessEmbeddingStore expected = new InProcessEmbeddingStore(specs());
        AeronShardedStore store = AeronShardedStore.connect(client(List.of(local.address(), remoteShard.address())).requestTimeout(timeout),
            specs())) {
      ShardFixtures.sameRows(expected, store, 3, 200, 5);
      await(remoteShard.lines(), "rows pulled", 10); // the periodic stats line
      remoteShard.process().destroyForcibly();
      assertThat(remoteShard.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
      long t0 = System.nanoTime();
      long[] ids = {1, 2, 3, 4, 5, 6, 7, 8};
      int[] counts = {1, 1, 1, 1, 1, 1, 1, 1};
      float[] out = new float[ids.length * 8];
      assertThatThrownBy(() -> store.pull(0, 9, ids, counts, ids.length, out))
          .isInstanceOf(ShardUnavailableException.class)
          .hasMessageContaining("shard 1 at " + remoteShard.address())
          .satisfies(e -> assertThat(((ShardUnavailableException) e).address()).isEqualTo(remoteShard.address()));
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(timeout.toMillis() + 2_500);
    }
    // the killed JVM could not delete its Aeron directory; the next shard started there removes it
    assertThat(shardDirs()).hasSize(1);
    try (ShardServer next = ShardServer.launch(ShardFixtures.server(freePort()).aeronDirectory(aeronParent.toString()))) {
      assertThat(shardDirs()).containsExactly(Path.of(next.aeronDirectory()));
    }
    assertThat(shardDirs()).isEmpty();
  }

  @Test
  void aShardStoppedWithSigtermExitsCleanlyAndLeavesNoAeronDirectory() throws Exception {
    Shard shard = start(freePort());
    assertThat(shardDirs()).hasSize(1);
    shard.process().destroy();
    assertThat(shard.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(shard.process().exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
    assertThat(shardDirs()).isEmpty();
  }
}
