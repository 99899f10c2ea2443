package dev.tandem.serving.registry;

import dev.tandem.CodeVersion;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Checksums;
import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A registry on any Hadoop file system (a local path, {@code file://}, {@code hdfs://}):
 *
 * <pre>
 *   ROOT/NAME/v1/                         a version: its files, manifest.json (checksums of all of them), manifest.sha256
 *   ROOT/NAME/v2/ ...
 *   ROOT/NAME/aliases/production/0000000001.json   alias changes; the newest entry is the alias's state
 *   ROOT/NAME/._staging-UUID/             a version being written (invisible to readers)
 * </pre>
 *
 * A version is written completely in a staging directory and then renamed to {@code v<N>} without overwrite: the rename
 * is the claim of the number, atomic on HDFS and local file systems, so two concurrent exports of a name can never both
 * become {@code vN}; the loser takes the next number. Alias entries are claimed the same way (a file renamed to the
 * next sequence number), so concurrent promotions are serialised rather than lost.
 */
public final class FsModelRegistry implements ModelRegistry {
  private static final Logger LOG = LogManager.getLogger(FsModelRegistry.class);
  private static final Pattern VERSION_DIR = Pattern.compile("v([0-9]{1,9})");
  private static final Pattern ALIAS_ENTRY = Pattern.compile("([0-9]{10})\\.json");
  private static final String STAGING = "._staging-";
  private static final String ALIASES = "aliases";
  /** Staging directories older than this were left by a killed exporter; younger ones may still be in use. */
  private static final long STALE_STAGING_MS = 24L * 3600 * 1000;
  private static final int MAX_CLAIM_ATTEMPTS = 1000;

  private final Path root;

  public FsModelRegistry(Path root) {
    this.root = root;
  }

  /** A registry at a location string (path or URI). */
  public static FsModelRegistry at(String location) {
    return new FsModelRegistry(Fs.path(location));
  }

  public Path root() {
    return root;
  }

  /** The directory of a version. */
  public Path versionDir(String name, int version) {
    return new Path(nameDir(name), ModelName.versionDir(version));
  }

  private Path nameDir(String name) {
    return new Path(root, ModelName.check(name));
  }

  @Override
  public List<String> names() {
    List<String> out = new ArrayList<>();
    try {
      for (FileStatus st : Fs.list(root)) {
        String n = st.getPath().getName();
        if (st.isDirectory() && !n.startsWith(".") && !n.startsWith("_") && !versionNumbers(st.getPath()).isEmpty()) {
          out.add(n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list registry " + root, e);
    }
    return out;
  }

  /** Numbers of the claimed version directories of a name, ascending. */
  private static List<Integer> versionNumbers(Path nameDir) throws IOException {
    List<Integer> out = new ArrayList<>();
    for (FileStatus st : Fs.list(nameDir)) {
      Matcher m = VERSION_DIR.matcher(st.getPath().getName());
      if (st.isDirectory() && m.matches()) {
        out.add(Integer.parseInt(m.group(1)));
      }
    }
    out.sort(null);
    return out;
  }

  private List<Integer> versionNumbers(String name) {
    try {
      return versionNumbers(nameDir(name));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list versions of " + name + " in " + root, e);
    }
  }

  @Override
  public List<VersionManifest> versions(String name) {
    List<VersionManifest> out = new ArrayList<>();
    for (int v : versionNumbers(name)) {
      out.add(manifest(name, v));
    }
    return out;
  }

  @Override
  public VersionManifest publish(String name, Publication publication) {
    Path dir = nameDir(name);
    Path staging = new Path(dir, STAGING + UUID.randomUUID());
    try {
      Fs.mkdirs(dir);
      removeStaleStaging(dir);
      Fs.mkdirs(staging);
      Publication.Contents contents = publication.write(staging);
      Map<String, VersionManifest.FileEntry> files = checksums(staging);
      String exportId = UUID.randomUUID().toString();
      for (int attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
        List<Integer> taken = versionNumbers(dir);
        int next = taken.isEmpty() ? 1 : taken.get(taken.size() - 1) + 1;
        Integer parent = contents.parent() != null ? contents.parent() : defaultParent(name, taken);
        VersionManifest m = new VersionManifest(VersionManifest.FORMAT, name, next, Instant.now().toString(), exportId, parent,
            CodeVersion.get(), contents.models(), contents.dataset(), contents.serving(), files);
        writeManifest(staging, m);
        Path target = new Path(dir, ModelName.versionDir(next));
        if (Fs.renameNoOverwrite(staging, target)) {
          LOG.info("published {} v{} at {}", name, next, target);
          return m;
        }
        LOG.info("{} v{} was taken by a concurrent export; trying the next number", name, next);
      }
      throw new IOException("could not claim a version number for " + name + " after " + MAX_CLAIM_ATTEMPTS + " attempts");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish " + name + " to " + root + ": " + e.getMessage(), e);
    } finally {
      try {
        if (Fs.exists(staging)) {
          Fs.delete(staging);
        }
      } catch (IOException | UncheckedIOException e) {
        LOG.warn("could not remove staging directory {}: {}", staging, e.getMessage());
      }
    }
  }

  private Integer defaultParent(String name, List<Integer> taken) {
    Optional<AliasState> prod = alias(name, "production");
    if (prod.isPresent()) {
      return prod.get().version();
    }
    return taken.isEmpty() ? null : taken.get(taken.size() - 1);
  }

  private static void removeStaleStaging(Path dir) throws IOException {
    long now = System.currentTimeMillis();
    for (FileStatus st : Fs.list(dir)) {
      if (st.getPath().getName().startsWith(STAGING) && now - st.getModificationTime() > STALE_STAGING_MS) {
        LOG.info("removing stale staging directory {}", st.getPath());
        Fs.delete(st.getPath());
      }
    }
  }

  /** Size and SHA-256 of every file under {@code dir} (relative paths with '/'), read back from the file system. */
  private static Map<String, VersionManifest.FileEntry> checksums(Path dir) throws IOException {
    Map<String, VersionManifest.FileEntry> out = new TreeMap<>();
    collect(dir, "", out);
    out.remove(VersionManifest.FILE);
    out.remove(VersionManifest.CHECKSUM_FILE);
    return new LinkedHashMap<>(out);
  }

  private static void collect(Path dir, String prefix, Map<String, VersionManifest.FileEntry> out) throws IOException {
    for (FileStatus st : Fs.list(dir)) {
      String rel = prefix + st.getPath().getName();
      if (st.isDirectory()) {
        collect(st.getPath(), rel + "/", out);
      } else {
        byte[] bytes = Fs.readAll(st.getPath());
        out.put(rel, new VersionManifest.FileEntry(bytes.length, Checksums.sha256(bytes)));
      }
    }
  }

  private static void writeManifest(Path dir, VersionManifest m) throws IOException {
    byte[] json = Persisted.write(m, VersionManifest.FORMAT);
    writeSynced(new Path(dir, VersionManifest.FILE), json);
    writeSynced(new Path(dir, VersionManifest.CHECKSUM_FILE), (Checksums.sha256(json) + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  /** Writes a file of a staging directory durably (the directory becomes visible by rename, with no further sync). */
  public static void writeSynced(Path p, byte[] bytes) throws IOException {
    try (FSDataOutputStream out = Fs.create(p)) {
      out.write(bytes);
      out.hsync();
    }
  }

  @Override
  public int resolve(String name, String ref) {
    ModelName.check(name);
    if (ref == null || ref.isBlank()) {
      throw new IllegalArgumentException("no version given for " + name + ": use v<N>, latest or an alias such as production");
    }
    List<Integer> versions = versionNumbers(name);
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("no model named '" + name + "' in registry " + root
          + (names().isEmpty() ? " (the registry is empty)" : " (models: " + String.join(", ", names()) + ")"));
    }
    if (ref.equals("latest")) {
      return versions.get(versions.size() - 1);
    }
    if (ModelName.isVersion(ref)) {
      int v = ModelName.versionNumber(ref);
      if (!versions.contains(v)) {
        throw new IllegalArgumentException(name + " has no version v" + v + " (versions: " + describe(versions) + ")");
      }
      return v;
    }
    ModelName.checkAlias(ref);
    return alias(name, ref).map(AliasState::version).orElseThrow(() -> new IllegalArgumentException(name + " has no alias '" + ref
        + "'" + (aliases(name).isEmpty() ? "" : " (aliases: " + String.join(", ", aliases(name).keySet()) + ")")
        + ": promote a version first (tandem registry promote " + root + "/" + name + "@v" + versions.get(versions.size() - 1)
        + " --alias " + ref + ")"));
  }

  private static String describe(List<Integer> versions) {
    return versions.size() <= 10 ? versions.stream().map(v -> "v" + v).toList().toString()
        : "v" + versions.get(0) + " .. v" + versions.get(versions.size() - 1);
  }

  @Override
  public VersionManifest manifest(String name, int version) {
    Path dir = versionDir(name, version);
    Path mf = new Path(dir, VersionManifest.FILE);
    byte[] json;
    try {
      json = Fs.readAll(mf);
    } catch (FileNotFoundException e) {
      throw new CorruptDataException(dir.toString(), "has no " + VersionManifest.FILE + " (not a complete registry version)");
    } catch (IOException e) {
      throw new CorruptDataException(mf.toString(), "cannot be read: " + e.getMessage(), e);
    }
    Path cf = new Path(dir, VersionManifest.CHECKSUM_FILE);
    String expected;
    try {
      expected = Fs.readString(cf).trim();
    } catch (IOException e) {
      throw new CorruptDataException(cf.toString(), "missing or unreadable: " + e.getMessage(), e);
    }
    String actual = Checksums.sha256(json);
    if (!actual.equals(expected)) {
      throw new CorruptDataException(mf.toString(), "checksum mismatch (expected sha256 " + Checksums.abbrev(expected) + "..., found " + Checksums.abbrev(actual)
          + "...): the manifest was altered");
    }
    VersionManifest m = Persisted.read(json, VersionManifest.class, VersionManifest.FORMAT, mf.toString());
    if (m.version() != version || !m.name().equals(name)) {
      throw new CorruptDataException(mf.toString(), "describes " + m.name() + " v" + m.version() + ", not " + name + " v" + version);
    }
    return m;
  }

  @Override
  public VerifiedVersion read(String name, int version) {
    VersionManifest m = manifest(name, version);
    Path dir = versionDir(name, version);
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (Map.Entry<String, VersionManifest.FileEntry> f : m.files().entrySet()) {
      files.put(f.getKey(), Checksums.readVerified(new Path(dir, f.getKey()), f.getValue().bytes(), f.getValue().sha256()));
    }
    return new VerifiedVersion(m, dir, files);
  }

  // ---- aliases

  private Path aliasDir(String name, String alias) {
    return new Path(new Path(nameDir(name), ALIASES), ModelName.checkAlias(alias));
  }

  @Override
  public Map<String, AliasState> aliases(String name) {
    Map<String, AliasState> out = new TreeMap<>();
    try {
      for (FileStatus st : Fs.list(new Path(nameDir(name), ALIASES))) {
        if (st.isDirectory()) {
          String a = st.getPath().getName();
          alias(name, a).ifPresent(s -> out.put(a, s));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list aliases of " + name, e);
    }
    return out;
  }

  @Override
  public Optional<AliasState> alias(String name, String alias) {
    Path dir = aliasDir(name, alias);
    try {
      List<FileStatus> entries = Fs.list(dir);
      for (int i = entries.size() - 1; i >= 0; i--) {
        Path p = entries.get(i).getPath();
        if (ALIAS_ENTRY.matcher(p.getName()).matches()) {
          try {
            return Optional.of(Persisted.read(Fs.readAll(p), AliasState.class, AliasState.FORMAT, p.toString()));
          } catch (IOException e) {
            throw new CorruptDataException(p.toString(), "unreadable alias entry: " + e.getMessage(), e);
          }
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read alias " + alias + " of " + name, e);
    }
  }

  @Override
  public AliasState promote(String name, String alias, int version) {
    return promote(name, alias, version, null);
  }

  @Override
  public AliasState promote(String name, String alias, int version, com.fasterxml.jackson.databind.JsonNode evidence) {
    if (!versionNumbers(name).contains(version)) {
      resolve(name, "v" + version); // throws with the list of versions
    }
    manifest(name, version); // refuse to promote a version whose manifest does not verify
    return change(name, alias, current -> {
      if (current != null && current.version() == version) {
        return evidence == null ? null : new AliasState(alias, version, current.history(), "promote", current.version(),
            current.sequence() + 1, Instant.now().toString(), evidence);
      }
      List<Integer> history = new ArrayList<>(current == null ? List.of() : current.history());
      history.add(version);
      return new AliasState(alias, version, List.copyOf(history), "promote", current == null ? null : current.version(),
          current == null ? 1 : current.sequence() + 1, Instant.now().toString(), evidence);
    });
  }

  @Override
  public AliasState keep(String name, String alias, com.fasterxml.jackson.databind.JsonNode evidence) {
    return change(name, alias, current -> {
      if (current == null) {
        throw new IllegalArgumentException(name + " has no alias '" + alias + "' to keep");
      }
      return new AliasState(alias, current.version(), current.history(), "keep", current.version(), current.sequence() + 1,
          Instant.now().toString(), evidence);
    });
  }

  @Override
  public List<AliasState> aliasLog(String name, String alias) {
    List<AliasState> out = new ArrayList<>();
    try {
      for (FileStatus st : Fs.list(aliasDir(name, alias))) {
        Path p = st.getPath();
        if (ALIAS_ENTRY.matcher(p.getName()).matches()) {
          try {
            out.add(Persisted.read(Fs.readAll(p), AliasState.class, AliasState.FORMAT, p.toString()));
          } catch (IOException e) {
            throw new CorruptDataException(p.toString(), "unreadable alias entry: " + e.getMessage(), e);
          }
        }
      }
    } catch (java.io.FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the log of alias " + alias + " of " + name, e);
    }
    out.sort(java.util.Comparator.comparingLong(AliasState::sequence));
    return List.copyOf(out);
  }

  @Override
  public AliasState rollback(String name, String alias) {
    return change(name, alias, current -> {
      if (current == null) {
        throw new IllegalArgumentException(name + " has no alias '" + alias + "' to roll back");
      }
      if (current.history().size() < 2) {
        throw new IllegalArgumentException(alias + " of " + name + " points to v" + current.version()
            + ", its first version: there is no previous version to roll back to");
      }
      List<Integer> history = current.history().subList(0, current.history().size() - 1);
      return new AliasState(alias, history.get(history.size() - 1), List.copyOf(history), "rollback", current.version(),
          current.sequence() + 1, Instant.now().toString(), null);
    });
  }

  /** Compare-and-set of an alias: the next entry is claimed by a no-overwrite rename, retried when another writer won. */
  private AliasState change(String name, String alias, Function<AliasState, AliasState> update) {
    Path dir = aliasDir(name, alias);
    for (int attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      AliasState current = alias(name, alias).orElse(null);
      AliasState next = update.apply(current);
      if (next == null) {
        return current;
      }
      Path tmp = new Path(dir, "._tmp-" + UUID.randomUUID());
      try {
        Fs.mkdirs(dir);
        writeSynced(tmp, Persisted.write(next, AliasState.FORMAT));
        if (Fs.renameNoOverwrite(tmp, new Path(dir, String.format("%010d.json", next.sequence())))) {
          LOG.info("{} of {}: {} v{}", alias, name, next.action(), next.version());
          return next;
        }
        Fs.delete(tmp);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot update alias " + alias + " of " + name + ": " + e.getMessage(), e);
      }
    }
    throw new IllegalStateException("alias " + alias + " of " + name + " kept changing under " + MAX_CLAIM_ATTEMPTS + " attempts");
  }

}
