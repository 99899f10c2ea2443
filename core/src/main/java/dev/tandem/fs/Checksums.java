package dev.tandem.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.fs.Path;

/**
 * SHA-256 checksums as lower-case hex, and reading a file back against the size and checksum a manifest recorded for
 * it. Prepared datasets, checkpoints and registry versions all verify their files this one way, so a damaged file is
 * refused with the same message wherever it is found.
 */
public final class Checksums {
  private Checksums() {}

  /** The SHA-256 of {@code bytes} as 64 lower-case hex digits. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** The SHA-256 of a string's UTF-8 bytes. */
  public static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a whole file and checks it has the recorded size and SHA-256.
   *
   * @throws CorruptDataException naming the file if it is missing, unreadable, or differs from the record
   */
  public static byte[] readVerified(Path file, long expectedBytes, String expectedSha256) {
    byte[] bytes;
    try {
      bytes = Fs.readAll(file);
    } catch (IOException e) {
      throw new CorruptDataException(file.toString(), "missing or unreadable: " + e.getMessage(), e);
    }
    String actual = sha256(bytes);
    if (bytes.length != expectedBytes || !actual.equals(expectedSha256)) {
      throw new CorruptDataException(file.toString(), "checksum mismatch (expected sha256 " + abbrev(expectedSha256) + "..., "
          + expectedBytes + " bytes; found " + abbrev(actual) + "..., " + bytes.length + " bytes)");
    }
    return bytes;
  }

  /**
   * Opens a file for reading in a stream, checked against the recorded size when opened and against the recorded
   * SHA-256 when closed: {@code close()} reads whatever the caller left unread and throws {@link CorruptDataException}
   * naming the file if the bytes differ from the record. For files too large to hold in memory (a checkpoint's
   * embedding parts); the caller must not trust what it built from the stream until {@code close()} returned.
   *
   * @throws CorruptDataException naming the file if it is missing, unreadable or of another size
   */
  public static java.io.InputStream openVerified(Path file, long expectedBytes, String expectedSha256) {
    long length;
    java.io.InputStream in;
    try {
      length = Fs.length(file);
      in = Fs.open(file);
    } catch (IOException e) {
      throw new CorruptDataException(file.toString(), "missing or unreadable: " + e.getMessage(), e);
    }
    if (length != expectedBytes) {
      try {
        in.close();
      } catch (IOException ignored) {
        // the size already says what is wrong
      }
      throw new CorruptDataException(file.toString(), "size mismatch (expected " + expectedBytes + " bytes; found " + length + ")");
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    return new java.io.FilterInputStream(new java.io.BufferedInputStream(new java.security.DigestInputStream(in, sha), 1 << 16)) {
      private boolean closed;

      @Override
      public void close() throws IOException {
        if (closed) {
          return;
        }
        closed = true;
        try {
          byte[] rest = new byte[1 << 16];
          while (super.read(rest, 0, rest.length) >= 0) {
            // drained into the digest
          }
        } finally {
          super.close();
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(expectedSha256)) {
          throw new CorruptDataException(file.toString(), "checksum mismatch (expected sha256 " + abbrev(expectedSha256) + "..., found "
              + abbrev(actual) + "...)");
        }
      }
    };
  }

  /** The first 12 hex digits of a checksum, enough to tell two apart in a message. */
  public static String abbrev(String sha) {
    return sha == null ? "null" : sha.length() > 12 ? sha.substring(0, 12) : sha;
  }
}
