package dev.tandem.serving.registry;

/**
 * A reference to a model version in a registry, as written on the command line: {@code REGISTRY/NAME@REF} where REF
 * is an alias ({@code production}), a version ({@code v7}) or {@code latest}; or {@code NAME@REF} when the registry is
 * given separately. The registry is any Hadoop FileSystem URI or local path.
 *
 * @param registry the registry's root
 * @param name     the model name
 * @param ref      alias, version or "latest"; null when the reference names no version
 */
public record ModelRef(String registry, String name, String ref) {

  /**
   * Parses {@code text}; {@code registry} (may be null) is the registry given separately, e.g. by {@code --registry},
   * in which case {@code text} is {@code NAME[@REF]}.
   */
  public static ModelRef parse(String text, String registry) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("a model reference is required (REGISTRY/NAME@VERSION_OR_ALIAS)");
    }
    String t = text.trim();
    int slash = t.lastIndexOf('/');
    int at = t.lastIndexOf('@');
    String ref = null;
    if (at > slash) {
      ref = t.substring(at + 1);
      t = t.substring(0, at);
      if (ref.isEmpty()) {
        throw new IllegalArgumentException("'" + text + "': nothing after '@' (give an alias such as production, or v<N>)");
      }
      if (!ref.equals("latest") && !ModelName.isVersion(ref)) {
        ModelName.checkAlias(ref);
      }
    }
    String root;
    String name;
    if (registry != null) {
      root = registry;
      name = t;
    } else {
      slash = t.lastIndexOf('/');
      if (slash <= 0) {
        throw new IllegalArgumentException("'" + text + "' names no registry: write REGISTRY/NAME@REF (e.g. /models/recs@production)"
            + " or give --registry");
      }
      root = t.substring(0, slash);
      name = t.substring(slash + 1);
    }
    return new ModelRef(root, ModelName.check(name), ref);
  }

  /** This reference with {@code fallback} as its version when it names none. */
  public ModelRef orElse(String fallback) {
    return ref != null ? this : new ModelRef(registry, name, fallback);
  }

  @Override
  public String toString() {
    return registry + "/" + name + (ref == null ? "" : "@" + ref);
  }
}
