package dev.tandem.serving.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Where an alias points, and the versions it pointed to before (what {@code rollback} returns to). Each change is a
 * new numbered entry under {@code NAME/aliases/ALIAS/}, claimed atomically; the newest entry is the alias.
 *
 * @param alias    the alias, e.g. production
 * @param version  the version it points to
 * @param history  the versions it was promoted to that are still "underneath", oldest first, ending with {@code version}
 * @param action   "promote", "rollback", or "keep" (a decision that left the alias where it was, e.g. a retraining
 *                 gate that kept the champion)
 * @param previous the version it pointed to before this change (null for the first promotion)
 * @param sequence the entry's number
 * @param updated  when (ISO-8601, UTC)
 * @param evidence why the change was made, as its maker recorded it (e.g. a retraining cycle's decision: both models'
 *                 metrics, intervals, drift); null when none was given
 */
public record AliasState(String alias, int version, List<Integer> history, String action, Integer previous, long sequence, String updated,
    JsonNode evidence) {
  /** The version of an alias entry's format (see {@link dev.tandem.format.Persisted}). */
  public static final int FORMAT = 1;

  /** An entry without evidence. */
  public AliasState(String alias, int version, List<Integer> history, String action, Integer previous, long sequence, String updated) {
    this(alias, version, history, action, previous, sequence, updated, null);
  }
}
