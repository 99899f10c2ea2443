package dev.tandem.fs;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.Syncable;

/**
 * Every file Tandem reads or writes goes through here, so that a plain path, {@code file://} and {@code hdfs://}
 * (or any other Hadoop FileSystem URI) behave the same. Writes that others may read concurrently are atomic: they go
 * to a temporary name in the same directory and are renamed into place.
 */
public final class Fs {
  /**
   * The Hadoop configuration of every file system Tandem opens, fixed for the life of the JVM: Hadoop's defaults plus
   * the class path's {@code core-site.xml} / {@code hdfs-site.xml} (HADOOP_CONF_DIR on a cluster). Nothing replaces it
   * at run time, so two users of Fs in one JVM (two runs, two tests) never see each other's settings; a file system
   * is chosen by the URI alone ({@code hdfs://namenode:port/...}).
   */
  private static final Configuration CONF = defaultConf();

  private Fs() {}

  private static volatile LocalFileSystem local;

  private static Configuration defaultConf() {
    Configuration c = new Configuration();
    // Tandem checksums its own files; the checksummed local FS would litter every directory with .crc files.
    c.set("fs.AbstractFileSystem.file.impl", "org.apache.hadoop.fs.local.RawLocalFs");
    return c;
  }

  /** A copy of the Hadoop configuration Tandem opens file systems with; changing the copy changes nothing in Fs. */
  public static Configuration conf() {
    return new Configuration(CONF);
  }

  /** A path as a person would write it: a local one without {@code file:}, any other as its URI (for messages). */
  public static String shown(Path p) {
    return "file".equals(p.toUri().getScheme()) ? p.toUri().getPath() : p.toString();
  }

  /** A location string as a fully qualified Hadoop path: plain relative paths are made absolute against the CWD. */
  public static Path path(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("empty path");
    }
    if (hasScheme(location)) {
      return new Path(URI.create(location));
    }
    // Not File.toURI(): it appends a slash to existing directories, which makes equal paths compare unequal.
    return new Path("file", null, new File(location).getAbsoluteFile().toPath().normalize().toString());
  }

  /** Resolves {@code location} against {@code baseDir} unless it is absolute or has a scheme. */
  public static Path resolve(String baseDir, String location) {
    if (hasScheme(location) || location.startsWith("/") || baseDir == null) {
      return path(location);
    }
    Path base = path(baseDir);
    return new Path(base, location);
  }

  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:.*");

  /** True for URIs such as hdfs://nn/x, file:///x and file:/x (a scheme of two or more characters). */
  static boolean hasScheme(String location) {
    return SCHEME.matcher(location).matches();
  }

  /**
   * The file system of a path. Local paths get Tandem's own {@link LocalFileSystem} instance, kept out of Hadoop's
   * global file system cache so that Hadoop code asking for its checksummed local file system still gets it.
   */
  public static FileSystem fs(Path p) {
    String scheme = p.toUri().getScheme();
    if (scheme == null || scheme.equals("file")) {
      LocalFileSystem l = local;
      if (l == null) {
        synchronized (Fs.class) {
          if (local == null) {
            LocalFileSystem created = new LocalFileSystem();
            try {
              created.initialize(URI.create("file:///"), CONF);
            } catch (IOException e) {
              throw new UncheckedIOException("cannot open the local file system", e);
            }
            local = created;
          }
          l = local;
        }
      }
      return l;
    }
    try {
      return p.getFileSystem(CONF);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open file system for " + p, e);
    }
  }

  /**
   * Whether a file or directory exists.
   *
   * @throws UncheckedIOException when the file system cannot be asked
   */
  public static boolean exists(Path p) {
    try {
      return fs(p).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + p, e);
    }
  }

  /**
   * Whether a directory exists there (false for a file or nothing).
   *
   * @throws UncheckedIOException when the file system cannot be asked
   */
  public static boolean isDirectory(Path p) {
    try {
      return fs(p).getFileStatus(p).isDirectory();
    } catch (FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + p, e);
    }
  }

  /**
   * Opens a file for reading, with a 1 MB buffer; the caller closes the stream.
   *
   * @throws java.io.FileNotFoundException when there is no such file
   */
  public static FSDataInputStream open(Path p) throws IOException {
    return fs(p).open(p, 1 << 20);
  }

  /** A file's length in bytes; {@link java.io.FileNotFoundException} when there is no such file. */
  public static long length(Path p) throws IOException {
    return fs(p).getFileStatus(p).getLen();
  }

  /** A file's status (length, replication, times); {@link java.io.FileNotFoundException} when there is no such file. */
  public static FileStatus status(Path p) throws IOException {
    return fs(p).getFileStatus(p);
  }

  /** A whole file's bytes; {@link java.io.FileNotFoundException} when there is no such file. */
  public static byte[] readAll(Path p) throws IOException {
    try (InputStream in = open(p)) {
      return in.readAllBytes();
    }
  }

  /** A whole file as UTF-8 text; {@link java.io.FileNotFoundException} when there is no such file. */
  public static String readString(Path p) throws IOException {
    return new String(readAll(p), StandardCharsets.UTF_8);
  }

  /**
   * Creates a directory and its parents.
   *
   * @throws FileOperationException naming the directory when it could not be created
   */
  public static void mkdirs(Path p) throws IOException {
    boolean made;
    try {
      made = fs(p).mkdirs(p);
    } catch (IOException | FSError e) {
      throw new FileOperationException("create directory", shown(p), e);
    }
    if (!made && !isDirectory(p)) {
      throw new FileOperationException("create directory", shown(p), new IOException("the file system refused"));
    }
  }

  /** Deletes a file or a directory with everything in it; false when there was nothing to delete. */
  public static boolean delete(Path p) throws IOException {
    return fs(p).delete(p, true);
  }

  /** The children of a directory sorted by name; empty if it does not exist. */
  public static List<FileStatus> list(Path dir) throws IOException {
    FileSystem fs = fs(dir);
    if (!fs.exists(dir)) {
      return List.of();
    }
    FileStatus[] st = fs.listStatus(dir);
    Arrays.sort(st, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
    return new ArrayList<>(Arrays.asList(st));
  }

  /**
   * Creates (or replaces) a file for writing. Every failure of the returned stream, on write, flush, sync or close, is
   * a {@link FileOperationException} naming the file, including the local file system's {@code FSError} for a full
   * disk, which would otherwise escape every {@code catch (IOException)} as an {@link Error} naming nothing. The
   * caller closes the stream.
   */
  public static FSDataOutputStream create(Path p) throws IOException {
    FSDataOutputStream out;
    try {
      out = fs(p).create(p, true);
    } catch (IOException | FSError e) {
      throw new FileOperationException("create", shown(p), e);
    }
    return new FSDataOutputStream(new NamedStream(out, p), null);
  }

  /** A stream that names its file in every failure (see {@link #create}). */
  private static final class NamedStream extends OutputStream implements Syncable {
    private final FSDataOutputStream out;
    private final Path path;

    NamedStream(FSDataOutputStream out, Path path) {
      this.out = out;
      this.path = path;
    }

    private FileOperationException failed(Throwable e) {
      return e instanceof FileOperationException f ? f : new FileOperationException("write", shown(path), e);
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException | FSError e) {
        throw failed(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException | FSError e) {
        throw failed(e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException | FSError e) {
        throw failed(e);
      }
    }

    @Override
    public void hflush() throws IOException {
      try {
        out.hflush();
      } catch (IOException | FSError e) {
        throw failed(e);
      }
    }

    @Override
    public void hsync() throws IOException {
      try {
        out.hsync();
      } catch (IOException | FSError e) {
        throw failed(e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        out.close();
      } catch (IOException | FSError e) {
        throw failed(e);
      }
    }
  }

  /** Something that writes a file's content to a stream. */
  @FunctionalInterface
  public interface Writer {
    /** Writes the content to {@code out}, which the caller closes. */
    void write(OutputStream out) throws IOException;
  }

  /**
   * Writes a file atomically: the content goes to a hidden temporary file in the target directory, which is then
   * renamed over the target. Readers see the old file or the new one, never a half-written one.
   *
   * @throws FileOperationException naming the file and the operation when writing or renaming fails (a full disk,
   *     a lost connection); the temporary file is then removed
   */
  public static void writeAtomically(Path target, Writer writer) throws IOException {
    Path parent = target.getParent();
    if (parent != null) {
      mkdirs(parent);
    }
    Path tmp = new Path(parent, "._tmp." + target.getName() + "." + UUID.randomUUID());
    boolean done = false;
    try {
      try (FSDataOutputStream out = create(tmp)) {
        writer.write(out);
        out.hsync();
      }
      renameOverwrite(tmp, target);
      done = true;
    } catch (FileOperationException e) {
      // the temporary file is ours, not the caller's: name the file they asked for
      throw e.about("write", shown(target));
    } finally {
      if (!done) {
        try {
          fs(tmp).delete(tmp, false);
        } catch (IOException | RuntimeException suppressed) {
          // the write's own failure is what the caller needs to see; the temporary file is hidden and swept later
        }
      }
    }
  }

  /** {@link #writeAtomically(Path, Writer)} of these bytes. */
  public static void writeAtomically(Path target, byte[] content) throws IOException {
    writeAtomically(target, out -> out.write(content));
  }

  /** {@link #writeAtomically(Path, Writer)} of this text as UTF-8. */
  public static void writeString(Path target, String content) throws IOException {
    writeAtomically(target, content.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes a file in place, without a temporary name or sync: only for files inside a staging directory that is
   * itself renamed into place when complete (and whose files are checksummed in a manifest).
   */
  public static void writeStaged(Path target, byte[] content) throws IOException {
    try (FSDataOutputStream out = create(target)) {
      out.write(content);
    }
  }

  /**
   * Renames {@code src} to {@code dst}, replacing {@code dst} atomically where the file system allows it: a reader
   * sees the old file or the new one, never none. On the local file system that is rename(2) itself: Hadoop's local
   * rename with overwrite deletes the target first and then renames, and a reader in between (of a sweep's state, a
   * run's run.json, in another process) found the file missing.
   */
  public static void renameOverwrite(Path src, Path dst) throws IOException {
    try {
      if (isLocal(src) && isLocal(dst)) {
        Files.move(localFile(src), localFile(dst), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return;
      }
      FileContext fc = FileContext.getFileContext(dst.toUri(), CONF);
      fc.rename(src, dst, Options.Rename.OVERWRITE);
    } catch (IOException | FSError e) {
      throw new FileOperationException("rename", shown(src) + " to " + shown(dst), e);
    }
  }

  /**
   * Renames {@code src} to {@code dst} only if {@code dst} does not exist yet; returns false if it does. On HDFS and
   * POSIX file systems this is atomic, which makes it a safe way to claim a name among concurrent writers.
   */
  public static boolean renameNoOverwrite(Path src, Path dst) throws IOException {
    if (isLocal(src) && isLocal(dst)) {
      Boolean claimed = renameLocalNoOverwrite(localFile(src), localFile(dst));
      if (claimed != null) {
        return claimed;
      }
    }
    FileContext fc = FileContext.getFileContext(dst.toUri(), CONF);
    try {
      fc.rename(src, dst, Options.Rename.NONE);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    }
  }

  private static boolean isLocal(Path p) {
    String scheme = p.toUri().getScheme();
    return scheme == null || scheme.equals("file");
  }

  /** A local file system path as the JDK names it (relative ones against the working directory, as Hadoop's). */
  private static java.nio.file.Path localFile(Path p) {
    return new File(p.toUri().getPath()).toPath();
  }

  /**
   * Hadoop's local rename without overwrite checks that the target is absent and then renames, and when the rename
   * fails it copies the source into the target instead: two racing writers could both "win" a name. The kernel's own
   * primitives never replace a taken name: rename(2) of a directory fails on an existing non-empty directory (and
   * Tandem only ever claims names with non-empty directories), and link(2) fails on any existing name. Returns null
   * where the local file system cannot link, to fall back to Hadoop's rename.
   */
  private static Boolean renameLocalNoOverwrite(java.nio.file.Path src, java.nio.file.Path dst) throws IOException {
    try {
      if (Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.move(src, dst);
        } catch (FileSystemException e) {
          // ENOTEMPTY comes back as a plain FileSystemException: the name was taken between the JDK's check and rename(2)
          if (e instanceof NoSuchFileException || !Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) {
            throw e;
          }
          return false;
        }
        return true;
      }
      Files.createLink(dst, src);
      Files.delete(src);
      return true;
    } catch (java.nio.file.FileAlreadyExistsException | DirectoryNotEmptyException e) {
      return false;
    } catch (NoSuchFileException e) {
      FileNotFoundException fnf = new FileNotFoundException(e.getMessage());
      fnf.initCause(e);
      throw fnf;
    } catch (UnsupportedOperationException e) {
      return null;
    }
  }

  /** Convenience for tests and small files. */
  public static byte[] toBytes(Writer w) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    w.write(bos);
    return bos.toByteArray();
  }
}
