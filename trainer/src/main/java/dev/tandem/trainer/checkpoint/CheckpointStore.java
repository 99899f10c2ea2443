package dev.tandem.trainer.checkpoint;

import java.util.List;
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

  /** A checkpoint by id, verified; throws {@link dev.tandem.fs.CorruptDataException} if damaged. */
  Checkpoint load(String id);

  /** Records which checkpoint is the best so far (kept by pruning). */
  void markBest(String id);

  /** The best checkpoint's id, if one was marked. */
  Optional<String> best();

  /** Ids of all complete checkpoints, oldest first. */
  List<String> list();
}
