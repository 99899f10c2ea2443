package dev.tandem.serving.registry;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Versioned, immutable serving bundles by model name, with movable aliases. Versions are numbered 1, 2, ... per name;
 * concurrent publishers never get the same number, and a published version never changes. Aliases (staging,
 * production, ...) move atomically and remember where they were, so a rollback is one step.
 */
public interface ModelRegistry {

  /** Model names in the registry, sorted. */
  List<String> names();

  /** Manifests of every version of a name, oldest first. */
  List<VersionManifest> versions(String name);

  /**
   * Publishes a new version of {@code name}: the publication writes the files, then the next free number is claimed.
   * Its parent is the publication's, else the version {@code production} points to, else the latest version.
   */
  VersionManifest publish(String name, Publication publication);

  /** The version number a reference stands for: {@code v7}, {@code 7}, {@code latest} or an alias. */
  int resolve(String name, String ref);

  /** The manifest of one version (verified against its checksum file). */
  VersionManifest manifest(String name, int version);

  /** Reads a version back and verifies every file; a damaged or altered file is refused. */
  VerifiedVersion read(String name, int version);

  /** Current state of every alias of a name. */
  Map<String, AliasState> aliases(String name);

  /** The current state of one alias, if it exists. */
  Optional<AliasState> alias(String name, String alias);

  /** Points {@code alias} at {@code version} (a no-op if it already points there). */
  AliasState promote(String name, String alias, int version);

  /** Points {@code alias} back at the version it pointed to before its current one. */
  AliasState rollback(String name, String alias);
}
