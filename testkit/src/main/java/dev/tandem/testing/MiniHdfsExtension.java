package dev.tandem.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real HDFS ({@link MiniHdfs}: a NameNode and two DataNodes on loopback) shared by the tests of one class:
 *
 * <pre>
 * &#64;RegisterExtension
 * static final MiniHdfsExtension HDFS = new MiniHdfsExtension();
 * ... HDFS.uri() + "/data" ...
 * </pre>
 *
 * It starts before the class's first test (about 15 s) in a temporary directory of its own, and after the last one it
 * shuts the cluster down and deletes that directory. It must be a static field: an instance field would never start.
 */
public final class MiniHdfsExtension implements BeforeAllCallback, AfterAllCallback {
  private final int dataNodes;
  private Path baseDir;
  private MiniHdfs hdfs;

  /** A cluster of two DataNodes, so files are written with replication 2 as on a real cluster. */
  public MiniHdfsExtension() {
    this(2);
  }

  public MiniHdfsExtension(int dataNodes) {
    this.dataNodes = dataNodes;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    baseDir = Files.createTempDirectory("tandem-minihdfs-");
    hdfs = new MiniHdfs(baseDir.resolve("hdfs").toFile(), dataNodes);
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    try {
      if (hdfs != null) {
        hdfs.close();
      }
    } finally {
      hdfs = null;
      if (baseDir != null) {
        delete(baseDir);
      }
    }
  }

  /**
   * The file system's root URI, e.g. {@code hdfs://127.0.0.1:40123}.
   *
   * @throws IllegalStateException outside the tests of the class that registers it (or when it is not a static field)
   */
  public String uri() {
    return started().uri();
  }

  /** The running cluster (for what {@link #uri()} does not reach, such as its DataNodes). */
  public MiniHdfs hdfs() {
    return started();
  }

  private MiniHdfs started() {
    if (hdfs == null) {
      throw new IllegalStateException("the HDFS is not running: register MiniHdfsExtension as a static @RegisterExtension field");
    }
    return hdfs;
  }

  private static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
