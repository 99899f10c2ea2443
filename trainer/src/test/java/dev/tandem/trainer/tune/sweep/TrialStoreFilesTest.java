package dev.tandem.trainer.tune.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testing.NewerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sweep's {@code state.json} and {@code lock.json} written by a newer Tandem (with an unknown field) still read. */
class TrialStoreFilesTest {
  @TempDir
  Path dir;

  @Test
  void stateAndLockTolerateAnAddedField() throws Exception {
    TrialStore store = TrialStore.at(dir.toString());
    SweepState state = new SweepState(SweepState.FORMAT, "s", "abc", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "running", 60.0, 1,
        List.of(), null);
    store.write(state);
    NewerFiles.addUnknownField(dir.resolve("state.json"));
    assertThat(store.read()).contains(state);

    TrialStore.Lease lease = store.acquire();
    NewerFiles.addUnknownField(dir.resolve("lock.json"));
    lease.close(); // releases only a lock it recognises as its own: host and pid read back despite the added field
    assertThat(Files.exists(dir.resolve("lock.json"))).isFalse();
  }
}
