package dev.tandem.serving.registry;

import java.util.List;

/**
 * Where an alias points, and the versions it pointed to before (what {@code rollback} returns to). Each change is a
 * new numbered entry under {@code NAME/aliases/ALIAS/}, claimed atomically; the newest entry is the alias.
 *
 * @param alias    the alias, e.g. production
 * @param version  the version it points to
 * @param history  the versions it was promoted to that are still "underneath", oldest first, ending with {@code version}
 * @param action   "promote" or "rollback"
 * @param previous the version it pointed to before this change (null for the first promotion)
 * @param sequence the entry's number
 * @param updated  when (ISO-8601, UTC)
 */
public record AliasState(String alias, int version, List<Integer> history, String action, Integer previous, long sequence, String updated) {
  /** The version of an alias entry's format (see {@link dev.tandem.format.Persisted}). */
  public static final int FORMAT = 1;
}
