package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.ps.shard.ShardServer;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a training run meets its parameter-server shards (one shard in this JVM, Aeron on 127.0.0.1): a run that ends
 * without training leaves no shard connection (media driver, Aeron directory) behind.
 */
class ShardedRunStartTest {
  @TempDir
  Path dir;

  private ShardServer shard;
  private String cache;

  @BeforeEach
  void startShard() throws Exception {
    int port;
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
      port = s.getLocalPort();
    }
    shard = ShardServer.launch(new ShardServer.Context().host("127.0.0.1").port(port));
    cache = dir.resolve("cache").toString();
  }

  @AfterEach
  void stopShard() {
    shard.close();
  }

  private Path job(String name) throws IOException {
    Path p = dir.resolve(name + ".yaml");
    Files.writeString(p, ShardedTrainingTest.JOB.formatted(name, "sharded",
        "cluster: {mode: local, parameter_server: {shards: [" + shard.address() + "], timeout_seconds: 10}}"));
    return p;
  }

  private CliRunner.Result train(String name) throws IOException {
    return CliRunner.run("train", "--config", job(name).toString(), "--run", dir.resolve("runs/" + name).toString(), "--cache", cache,
        "--set", "train.epochs=1");
  }

  /** Aeron directories of sharded-store clients of this JVM still there (each one's media driver still runs). */
  private static List<Path> openClients() throws IOException {
    String suffix = "-" + ProcessHandle.current().pid();
    try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
      return s.filter(p -> p.getFileName().toString().startsWith("tandem-aeron-ps-client_") && p.getFileName().toString().endsWith(suffix))
          .toList();
    }
  }

  @Test
  void resumingAFinishedRunLeavesNoShardConnectionBehind() throws Exception {
    CliRunner.Result a = train("done");
    assertThat(a.exit()).as(a.err()).isZero();
    assertThat(openClients()).isEmpty();

    CliRunner.Result again = CliRunner.run("train", "--resume", dir.resolve("runs/done").toString());
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(openClients()).as("the resumed run found nothing to do; its connection to the shards is closed").isEmpty();
  }
}
