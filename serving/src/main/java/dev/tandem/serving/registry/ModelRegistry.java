package dev.tandem.serving.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Versioned, immutable serving bundles by model name, with movable aliases. Versions are numbered 1, 2, ... per name;
 * concurrent publishers never get the same number, and a published version never changes. Aliases (staging,
 * production, ...) move atomically and remember where they were, so a rollback is one step.
 *
 * <p>Every method is safe to call from several threads and processes at once. Values returned are immutable and the
 * caller's. Failures: a name, alias or reference that is malformed or does not exist is an
 * {@link IllegalArgumentException} whose message lists what does exist; a file that fails its checksum or cannot be
 * parsed is a {@link dev.tandem.fs.CorruptDataException} naming the file; a failure of the file system is an
 * {@link java.io.UncheckedIOException} naming the registry location.
 */
public interface ModelRegistry {

  /** Model names that have at least one version, sorted; empty for an empty or missing registry. */
  List<String> names();

  /** Manifests of every version of a name, oldest first (each verified against its checksum); empty for an unknown name. */
  List<VersionManifest> versions(String name);

  /**
   * Publishes a new version of {@code name}: the publication writes the files into a private staging directory, then
   * the next free number is claimed by an atomic rename, so the version appears complete or not at all. Its parent is
   * the publication's, else the version {@code production} points to, else the latest version. Returns the new
   * version's manifest. Throws {@link java.io.UncheckedIOException} if the publication or the file system fails (the
   * staging directory is removed).
   */
  VersionManifest publish(String name, Publication publication);

  /**
   * The version number a reference stands for: {@code v7}, {@code 7}, {@code latest} or an alias. Throws
   * {@link IllegalArgumentException} for an unknown name, version or alias.
   */
  int resolve(String name, String ref);

  /** The manifest of one version, verified against its checksum file. */
  VersionManifest manifest(String name, int version);

  /**
   * Reads a version back whole and verifies every file against the manifest's checksums before returning it; a
   * damaged or altered file is refused with a {@link dev.tandem.fs.CorruptDataException} naming it. The bytes returned
   * are the caller's.
   */
  VerifiedVersion read(String name, int version);

  /** Current state of every alias of a name, by alias; empty if it has none. */
  Map<String, AliasState> aliases(String name);

  /** The current state of one alias, if it exists. */
  Optional<AliasState> alias(String name, String alias);

  /**
   * Points {@code alias} at {@code version} (a no-op if it already points there) and returns its new state. Refuses a
   * version that does not exist or whose manifest does not verify. Concurrent changes of one alias are serialised, none
   * lost.
   */
  AliasState promote(String name, String alias, int version);

  /**
   * As {@link #promote(String, String, int)}, with the evidence for the move kept in the alias's log entry (printed by
   * {@code registry show}). With evidence, promoting to the version the alias already points to is logged too.
   */
  AliasState promote(String name, String alias, int version, JsonNode evidence);

  /**
   * Logs a decision that leaves the alias where it is (action {@code keep}), with its evidence; returns the new entry.
   * Throws {@link IllegalArgumentException} if the alias does not exist.
   */
  AliasState keep(String name, String alias, JsonNode evidence);

  /** Every entry of an alias's log, oldest first; empty if the alias does not exist. */
  List<AliasState> aliasLog(String name, String alias);

  /**
   * Points {@code alias} back at the version it pointed to before its current one and returns its new state; repeatable.
   * Throws {@link IllegalArgumentException} if the alias does not exist or has no earlier version.
   */
  AliasState rollback(String name, String alias);
}
