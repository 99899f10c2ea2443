package dev.tandem.ps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.trainer.ClusterSection;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up problems fail at once with a message that says what to change, instead of hanging. */
class StartupChecksTest {
  @TempDir
  Path tmp;

  static ClusterConfig.Aeron aeron(int controllerPort) {
    return new ClusterConfig.Aeron("127.0.0.1", controllerPort, null, null, null, null, null, null);
  }

  @Test
  void controllerPortTaken() throws Exception {
    try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> GradientSharing.voidConfiguration(aeron(port), "127.0.0.1"))
          .isInstanceOf(StartupException.class)
          .hasMessageContaining("aeron.controller_port").hasMessageContaining(String.valueOf(port)).hasMessageContaining("taken");
    }
  }

  @Test
  void controllerAddressThatDoesNotResolve() {
    assertThatThrownBy(() -> GradientSharing.voidConfiguration(aeron(40123), "no-such-host.invalid"))
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("aeron.controller_address").hasMessageContaining("no-such-host.invalid");
  }

  @Test
  void noControllerAddressAnywhere() {
    ClusterConfig.Aeron a = new ClusterConfig.Aeron(null, null, null, "203.0.113.0/24", null, null, null, null);
    if (System.getenv("SPARK_PUBLIC_DNS") == null && System.getenv("DL4J_VOID_IP") == null) {
      assertThatThrownBy(() -> GradientSharing.controllerAddress(a))
          .isInstanceOf(StartupException.class).hasMessageContaining("aeron.controller_address").hasMessageContaining("203.0.113.0/24");
    }
  }

  @Test
  void sharedMemoryTooSmall() {
    assertThatThrownBy(() -> AeronNode.checkSpace(tmp, Integer.MAX_VALUE))
        .isInstanceOf(StartupException.class).hasMessageContaining("aeron.min_shm_mb").hasMessageContaining(tmp.toString());
  }

  @Test
  void executorsTakeDistinctFreePorts() throws Exception {
    // the first port of the range is taken by another program: the executor moves on to the next free one
    try (DatagramSocket taken = new DatagramSocket(null)) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int first = taken.getLocalPort();
      NodePorts ports = new NodePorts(40123, first, first + 5, "127.0.0.1");
      assertThat(ports.pickFor("0")).isNotEqualTo(first).isBetween(first + 1, first + 5);
    }
  }

  @Test
  void staleAeronDirectoriesOfDeadJvmsAreRemoved() throws Exception {
    Path dead = Files.createDirectories(tmp.resolve(AeronNode.PREFIX + "executor-1-999999999"));
    Path alive = Files.createDirectories(tmp.resolve(AeronNode.PREFIX + "driver-" + ProcessHandle.current().pid()));
    AeronNode.removeStale(tmp);
    assertThat(dead).doesNotExist();
    assertThat(alive).exists();
  }

  @Test
  void clusterSectionValidation() {
    assertThatThrownBy(() -> ClusterSection.of(null, null, 0, null, null, null, null, null, null))
        .hasMessageContaining("workers");
    assertThatThrownBy(() -> ClusterSection.of(null, null, null, null, 0.2, 0.1, null, null, null))
        .hasMessageContaining("max_sparsity");
  }
}
