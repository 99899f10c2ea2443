package dev.tandem.cli.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Cluster trials are submissions: new ones with their job and overrides, interrupted ones resumed from their run. */
class TrialLauncherTest {
  final TrialLauncher.Cluster cluster = new TrialLauncher.Cluster("scripts/submit.sh", "cluster-config/yarn.yaml");

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
}
