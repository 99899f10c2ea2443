package dev.tandem.trainer.checkpoint;

import dev.tandem.format.UnsupportedFormatException;
import dev.tandem.fs.CorruptDataException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Durable checkpoints of one run, on any Hadoop file system. Writes are atomic (a checkpoint appears whole or not at
 * all) and every file is checksummed; a checkpoint that fails verification is never loaded. One process writes a run's
 * checkpoints at a time; readers may read while it writes.
 */
public interface CheckpointStore {

  /**
   * Writes a checkpoint, then prunes the store to the last {@code keep} checkpoints plus the best one. The model is
   * serialised, so the caller keeps its graph and may go on training it; a checkpoint of the same id (the same global
   * step, saved again by a resumed run) is replaced.
   *
   * @return the checkpoint's id
   * @throws UncheckedIOException when it cannot be written (a full disk, a lost connection): no partial checkpoint
   *     becomes visible, and the earlier ones are untouched
   */
  String save(Checkpoint checkpoint, int keep);

  /**
   * The newest checkpoint that verifies, loaded; damaged newer ones are logged and skipped.
   *
   * @return empty when there is no checkpoint, or none that verifies
   */
  Optional<Checkpoint> latestGood();

  /**
   * As {@link #latestGood()}, and records in {@code refused} each newer checkpoint that was skipped (id, newest first)
   * with the reason: when none verifies, it says what was found and why each was refused.
   *
   * @param refused the caller's map, added to
   */
  Optional<Checkpoint> latestGood(Map<String, String> refused);

  /**
   * A checkpoint by id, every file verified against its manifest before the model is decoded. The returned checkpoint
   * (its graph included) is the caller's.
   *
   * @throws CorruptDataException naming the checkpoint or file when it is incomplete, altered or does not load
   */
  Checkpoint load(String id);

  /**
   * Records which checkpoint is the best so far (kept by pruning), checksummed and replaced atomically.
   *
   * @throws UncheckedIOException when the record cannot be written
   */
  void markBest(String id);

  /**
   * The best checkpoint's id, if one was marked. A damaged record is rebuilt from the checkpoints' training state (with
   * a warning naming the file) rather than failing.
   *
   * @throws UnsupportedFormatException when a newer Tandem wrote the record
   */
  Optional<String> best();

  /**
   * Ids of all complete checkpoints (verified or not), oldest first.
   *
   * @throws UncheckedIOException when the store cannot be listed
   */
  List<String> list();
}
