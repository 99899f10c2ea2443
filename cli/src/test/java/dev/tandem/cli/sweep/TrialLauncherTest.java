package dev.tandem.cli.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.Tandem;
import dev.tandem.trainer.tune.sweep.LocalTrialLauncher;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Local trials are child JVMs running the Tandem entry point and watching this process; cluster trials are
 * submissions: new ones with their job and overrides, interrupted ones resumed from their run.
 */
class TrialLauncherTest {
  final ClusterTrialLauncher cluster = new ClusterTrialLauncher("scripts/submit.sh", "cluster-config/yarn.yaml");

  @Test
  void aNewTrialIsSubmittedWithItsJobRunAndOverrides() {
    assertThat(cluster.command(List.of("train", "--config", "file:/s/base.yaml", "--run", "hdfs://nn/s/trials/0001/run", "--cache",
        "/local/cache", "--set", "train.learning_rate=0.003")))
        .containsExactly("scripts/submit.sh", "--cluster", "cluster-config/yarn.yaml", "--job", "file:/s/base.yaml", "--run",
            "hdfs://nn/s/trials/0001/run", "--set", "train.learning_rate=0.003");
  }

  @Test
  void anInterruptedTrialResumesOnTheCluster() {
    assertThat(cluster.canResume()).isTrue();
    assertThat(cluster.command(List.of("train", "--resume", "hdfs://nn/s/trials/0002/run", "--cache", "/local/cache")))
        .containsExactly("scripts/submit.sh", "--cluster", "cluster-config/yarn.yaml", "--resume", "hdfs://nn/s/trials/0002/run");
  }

  @Test
  void aLocalTrialIsATandemChildJvmWithItsCoresThatWatchesTheSweep() {
    LocalTrialLauncher local = new LocalTrialLauncher(Tandem.class.getName(), Tandem.PARENT_PID_ENV, 2, 1, List.of("-Xmx1g"));
    List<String> cmd = local.command(List.of("train", "--resume", "/s/trials/0001/run"));
    assertThat(cmd).contains("-XX:ActiveProcessorCount=2", "-Xmx1g").endsWith("dev.tandem.cli.Tandem", "train", "--resume", "/s/trials/0001/run");
    assertThat(local.environment()).containsEntry("OMP_NUM_THREADS", "2")
        .containsEntry(Tandem.PARENT_PID_ENV, String.valueOf(ProcessHandle.current().pid()));
    // the test JVM is not a trial: a pid recorded by an earlier session and reused since is left alone
    assertThat(local.isTrialProcess(ProcessHandle.current())).isFalse();
  }
}
