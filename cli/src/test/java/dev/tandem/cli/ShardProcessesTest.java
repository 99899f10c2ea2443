package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shard JVMs that benchmarks and tests start: stopping them leaves nothing behind in /dev/shm. */
class ShardProcessesTest {
  @TempDir
  Path dir;

  @Test
  void closingStopsTheShardsAndRemovesTheirAeronDirectories() throws Exception {
    ShardProcesses shards = ShardProcesses.start(1, "128m", dir);
    long pid = shards.process(0).pid();
    assertThat(aeronDirectoriesOf(pid)).as("the running shard's media driver").isNotEmpty();
    shards.close();
    assertThat(shards.process(0).isAlive()).isFalse();
    // /dev/shm is memory: a shard's term buffers left there stay until some later shard happens to clean them up
    assertThat(aeronDirectoriesOf(pid)).isEmpty();
  }

  private static List<Path> aeronDirectoriesOf(long pid) throws Exception {
    try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
      return s.filter(p -> p.getFileName().toString().startsWith("tandem-aeron-ps-") && p.getFileName().toString().endsWith("-" + pid))
          .toList();
    }
  }
}
