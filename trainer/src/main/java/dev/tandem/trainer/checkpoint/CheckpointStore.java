package dev.tandem.trainer.checkpoint;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Durable checkpoints of one run, on any Hadoop file system. Writes are atomic (a checkpoint appears whole or not at
 * all) and every file is checksummed; a checkpoint that fails verification is never loaded.
 */
public interface CheckpointStore {

  /** Writes a checkpoint and returns its id; then prunes to the last {@code keep} plus the best. */
  String save(Checkpoint checkpoint, int keep);

  /** The newest checkpoint that verifies; damaged newer ones are reported and skipped. */
  Optional<Checkpoint> latestGood();

  /**
   * As {@link #latestGood()}, and records in {@code refused} each newer checkpoint that was skipped (id, newest first)
   * with the reason: when none verifies, it says what was found and why each was refused.
   */
  Optional<Checkpoint> latestGood(Map<String, String> refused);

  /** A checkpoint by id, verified; throws {@link dev.tandem.fs.CorruptDataException} if damaged. */
  Checkpoint load(String id);

  /** Records which checkpoint is the best so far (kept by pruning), checksummed. */
  void markBest(String id);

  /**
   * The best checkpoint's id, if one was marked. A damaged record is rebuilt from the checkpoints' training state (with
   * a warning naming the file) rather than failing.
   */
  Optional<String> best();

  /** Ids of all complete checkpoints, oldest first. */
  List<String> list();
}
