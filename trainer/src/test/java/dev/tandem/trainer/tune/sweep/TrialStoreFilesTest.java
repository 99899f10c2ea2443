package dev.tandem.trainer.tune.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.format.Persisted;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.testing.NewerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep's {@code state.json} and {@code lock.json}: written by a newer Tandem (with an unknown field) they still
 * read; unreadable, the state is an error naming it and the lock is taken over.
 */
class TrialStoreFilesTest {
  @TempDir
  Path dir;

  static final SweepState STATE = new SweepState(SweepState.FORMAT, "s", "abc", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "running",
      60.0, 1, List.of(), null);

  @Test
  void stateAndLockTolerateAnAddedField() throws Exception {
    TrialStore store = TrialStore.at(dir.toString());
    store.write(STATE);
    NewerFiles.addUnknownField(dir.resolve("state.json"));
    assertThat(store.read()).contains(STATE);

    TrialStore.Lease lease = store.acquire();
    NewerFiles.addUnknownField(dir.resolve("lock.json"));
    lease.close(); // releases only a lock it recognises as its own: host and pid read back despite the added field
    assertThat(Files.exists(dir.resolve("lock.json"))).isFalse();
  }

  /** state.json keeps the fields earlier versions wrote and read, and no more (helpers of SweepState are not fields). */
  @Test
  void stateJsonHasItsFields() throws Exception {
    TrialStore store = TrialStore.at(dir.toString());
    TrialRecord t = TrialRecord.create(1, java.util.Map.of("train.learning_rate", com.fasterxml.jackson.databind.node.DoubleNode.valueOf(0.01)),
        "2026-01-01T00:00:00Z").launched(42, "h", "2026-01-01T00:00:01Z").judgedAt(1, 0.5);
    store.write(STATE.withTrial(t));
    com.fasterxml.jackson.databind.JsonNode tree = Persisted.json().readTree(dir.resolve("state.json").toFile());
    assertThat(tree.fieldNames()).toIterable().containsExactly("format", "name", "definition_sha256", "created", "updated", "status",
        "elapsed_seconds", "sessions", "trials", "message");
    assertThat(tree.get("trials").get(0).fieldNames()).toIterable().containsExactly("id", "index", "status", "params", "attempts",
        "interruptions", "created", "started", "finished", "seconds", "epochs", "value", "best_epoch", "curve", "rungs", "stop_reason", "error",
        "pid", "host");
    assertThat(store.read().orElseThrow().trial("0001")).isEqualTo(t);
  }

  @Test
  void anUnreadableStateIsAnErrorNamingIt() throws Exception {
    TrialStore store = TrialStore.at(dir.toString());
    assertThat(store.read()).isEmpty();
    store.write(STATE);
    Files.writeString(dir.resolve("state.json"), "{\"format\": 1, \"name\": \"s\", \"trials\": [");
    assertThatThrownBy(store::read).isInstanceOf(CorruptDataException.class).hasMessageContaining("state.json");
    Files.writeString(dir.resolve("state.json"), "{\"format\": 99}");
    assertThatThrownBy(store::read).isInstanceOf(CorruptDataException.class).hasMessageContaining("state.json");
  }

  @Test
  void anUnreadableLockIsTakenOverAndALiveOneIsNot() throws Exception {
    TrialStore store = TrialStore.at(dir.toString());
    long me = ProcessHandle.current().pid();
    for (String broken : List.of("{\"format\": 1, \"host\": \"h\", \"pi", "{\"format\": 1, \"pid\": 1, \"heartbeat\": \"now\"}",
        "{\"format\": 1, \"host\": \"other\", \"pid\": 1, \"heartbeat\": \"yesterday\"}")) {
      Files.writeString(dir.resolve("lock.json"), broken);
      try (TrialStore.Lease lease = store.acquire()) {
        assertThat(Files.readString(dir.resolve("lock.json"))).as(broken).contains("\"pid\" : " + me);
      }
    }

    // held by a live process of this host, or with a fresh heartbeat from another host: refused, naming the holder
    Process holder = new ProcessBuilder("sleep", "30").start();
    try {
      lock(new TrialStore.LockInfo(TrialStore.host(), holder.pid(), Instant.now().toString()));
      assertThatThrownBy(store::acquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("process " + holder.pid());
    } finally {
      holder.destroyForcibly();
      holder.waitFor();
    }
    lock(new TrialStore.LockInfo("elsewhere", 7, Instant.now().toString()));
    assertThatThrownBy(store::acquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("process 7 on elsewhere");
    // the same, long silent: abandoned
    lock(new TrialStore.LockInfo("elsewhere", 7, Instant.now().minus(TrialStore.STALE).minusSeconds(1).toString()));
    store.acquire().close();
    assertThat(Files.exists(dir.resolve("lock.json"))).isFalse();
  }

  private void lock(TrialStore.LockInfo l) throws Exception {
    Files.write(dir.resolve("lock.json"), Persisted.write(l, TrialStore.LockInfo.FORMAT));
  }
}
