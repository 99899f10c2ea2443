package dev.tandem.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import dev.tandem.progress.Progress;
import dev.tandem.testing.MiniHdfsExtension;
import dev.tandem.trainer.JobConfig;
import dev.tandem.trainer.SmallJobs;
import dev.tandem.trainer.train.LocalTrainer;
import dev.tandem.trainer.train.RunDirectory;
import dev.tandem.trainer.train.RunRequest;
import java.util.List;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Runs, checkpoints and prepared datasets on a real HDFS: a NameNode and two DataNodes. */
class HdfsCheckpointTest {
  @TempDir
  static java.nio.file.Path tmp;
  @RegisterExtension
  static final MiniHdfsExtension HDFS = new MiniHdfsExtension();

  @Test
  void trainsResumesAndVerifiesCheckpointsOnHdfs() throws Exception {
    String root = HDFS.uri() + "/tandem";
    ConfigLoader.Loaded<JobConfig> job = SmallJobs.load(SmallJobs.ranking("dcn", 2), tmp);
    PreparedDataset ds = dev.tandem.trainer.train.Datasets.resolve(job, root + "/cache", Progress.NONE);
    assertThat(ds.dir().toString()).startsWith("hdfs://");
    RunDirectory run = RunDirectory.at(root + "/runs/rk");
    new LocalTrainer().train(new RunRequest(job, run, ds, false, Progress.NONE));
    FsCheckpointStore store = new FsCheckpointStore(run.checkpoints());
    List<String> ids = store.list();
    assertThat(ids).isNotEmpty();
    Checkpoint latest = store.latestGood().orElseThrow();
    assertThat(latest.state().finished()).isTrue();
    assertThat(latest.provenance().datasetFingerprint()).isEqualTo(ds.fingerprint());
    assertThat(Fs.fs(run.checkpoints()).getFileStatus(new Path(run.checkpoints(), latest.id() + "/model.zip")).getReplication()).isEqualTo((short) 2);
    assertThat(Fs.list(run.checkpoints())).noneMatch(st -> st.getPath().getName().startsWith("._tmp"));

    // resuming a finished run changes nothing and reads everything back from HDFS
    new LocalTrainer().train(new RunRequest(job, run, ds, true, Progress.NONE));
    assertThat(store.latestGood().orElseThrow().graph().params()).isEqualTo(latest.graph().params());

    // a checkpoint altered on HDFS is refused, and the one before it is used
    Path model = new Path(run.checkpoints(), latest.id() + "/model.zip");
    byte[] bytes = Fs.readAll(model);
    bytes[100] ^= 0x7f;
    try (FSDataOutputStream out = Fs.fs(model).create(model, true)) {
      out.write(bytes);
    }
    assertThatThrownBy(() -> store.load(latest.id())).isInstanceOf(CorruptDataException.class).hasMessageContaining("hdfs://")
        .hasMessageContaining("checksum mismatch");
    assertThat(store.latestGood().orElseThrow().id()).isNotEqualTo(latest.id());
  }
}
