package dev.tandem.testing;

import dev.tandem.fs.Fs;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * A local disk that fills up, reached through Hadoop's FileSystem API like any other: paths {@code fulldisk:///abs/path}
 * are local files, but writes beyond the free space set by {@link #setFree} fail the way Hadoop's local file system
 * fails on a full disk, with an {@link FSError} wrapping {@code IOException: No space left on device} (no path).
 * Deleting or overwriting files gives their space back, so a failed write that cleans up after itself frees what it took.
 * Tests see how Tandem behaves when a disk fills, without root and without filling a real disk.
 */
public final class FullDisk {
  /** The URI scheme of the full-disk file system. */
  public static final String SCHEME = "fulldisk";
  /** What the operating system says (ENOSPC). */
  public static final String NO_SPACE = "No space left on device";
  private static final AtomicLong FREE = new AtomicLong(Long.MAX_VALUE);

  private FullDisk() {}

  /**
   * Gives the disk its room back. The {@code fulldisk:} scheme itself is registered by testkit's {@code core-site.xml},
   * which Hadoop reads from the class path.
   *
   * @throws IllegalStateException if that file was not on the class path (the scheme is unknown to Tandem's file system)
   */
  public static void install() {
    if (Fs.conf().get("fs." + SCHEME + ".impl") == null) {
      throw new IllegalStateException("the " + SCHEME + ": scheme is not configured: testkit's core-site.xml is not on the class path");
    }
    unlimited();
  }

  /** The location of a local path on the full disk. */
  public static String uri(java.nio.file.Path local) {
    return SCHEME + "://" + local.toAbsolutePath().normalize();
  }

  /** Leaves {@code bytes} free: writes beyond them fail until files are deleted or {@link #setFree} is called again. */
  public static void setFree(long bytes) {
    FREE.set(bytes);
  }

  /** Frees the disk: no write fails any more. */
  public static void unlimited() {
    FREE.set(Long.MAX_VALUE / 2);
  }

  /** Bytes free now. */
  public static long free() {
    return FREE.get();
  }

  private static void give(long bytes) {
    FREE.getAndUpdate(f -> f >= Long.MAX_VALUE / 4 ? f : f + bytes);
  }

  /** Bytes taken by a file or a directory tree. */
  public static long sizeOf(java.nio.file.Path p) throws IOException {
    if (!Files.exists(p)) {
      return 0;
    }
    if (!Files.isDirectory(p)) {
      return Files.size(p);
    }
    try (Stream<java.nio.file.Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  /** Hadoop's raw local file system under the {@code fulldisk} scheme, with the free space counted. */
  public static final class FullDiskFileSystem extends RawLocalFileSystem {
    private static final URI NAME = URI.create(SCHEME + ":///");

    @Override
    public URI getUri() {
      return NAME;
    }

    @Override
    public String getScheme() {
      return SCHEME;
    }

    @Override
    protected OutputStream createOutputStreamWithMode(Path f, boolean append, FsPermission permission) throws IOException {
      File file = pathToFile(f);
      if (!append && file.isFile()) {
        give(file.length());
      }
      return new Counted(super.createOutputStreamWithMode(f, append, permission));
    }

    @Override
    public boolean delete(Path p, boolean recursive) throws IOException {
      long size;
      try {
        size = sizeOf(pathToFile(p).toPath());
      } catch (FileNotFoundException e) {
        size = 0;
      }
      boolean deleted = super.delete(p, recursive);
      if (deleted) {
        give(size);
      }
      return deleted;
    }
  }

  /** The same file system for Hadoop's FileContext (which Tandem renames through). */
  public static final class AbstractFs extends DelegateToFileSystem {
    public AbstractFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new FullDiskFileSystem(), conf, SCHEME, false);
    }
  }

  /**
   * What Hadoop's local output stream throws when the operating system reports ENOSPC. FSError's constructor is
   * package-private (only Hadoop's local file system makes them), hence reflection.
   */
  static FSError noSpace() {
    try {
      Constructor<FSError> c = FSError.class.getDeclaredConstructor(Throwable.class);
      c.setAccessible(true);
      return c.newInstance(new IOException(NO_SPACE));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot make Hadoop's FSError", e);
    }
  }

  /** Takes free space for every byte written; fails as Hadoop's local output stream does when there is none. */
  private static final class Counted extends OutputStream {
    private final OutputStream out;

    Counted(OutputStream out) {
      this.out = out;
    }

    private void take(long n) {
      long left = FREE.getAndUpdate(f -> f >= n ? f - n : f);
      if (left < n) {
        throw noSpace();
      }
    }

    @Override
    public void write(int b) throws IOException {
      take(1);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      take(len);
      out.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
