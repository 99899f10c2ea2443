package dev.tandem.datasets.source;

import dev.tandem.datasets.text.BadInputException;
import dev.tandem.fs.Fs;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.GzipCodec;

/**
 * Resolves a configured path to the files to read (the file itself, or a directory's data files in name order) and
 * opens them decompressed: by extension, with every codec Hadoop's {@link CompressionCodecFactory} knows ({@code .gz},
 * {@code .bz2}, {@code .deflate}, {@code .snappy}; {@code .lz4} and {@code .zst} only where lz4-java or Hadoop's
 * native library is present, else the file is refused by name), and gzip also by its magic bytes whatever the file is
 * called. A compressed file is one stream: it is decompressed by one thread, while the lines it yields are still
 * parsed in parallel.
 */
public final class InputFiles {
  private static volatile CompressionCodecFactory codecs;

  private InputFiles() {}

  /**
   * The files a configured location stands for.
   *
   * @param key the configuration key of the location, named in errors
   * @throws BadInputException if the location does not exist or is a directory without data files
   */
  public static List<Path> list(String baseDir, String location, String key) {
    Path p = Fs.resolve(baseDir, location);
    try {
      if (!Fs.exists(p)) {
        throw new BadInputException(key + ": file not found: " + p + (location.equals(p.toString()) ? "" : " (from '" + location + "', relative to " + baseDir + ")"));
      }
      if (!Fs.isDirectory(p)) {
        return List.of(p);
      }
      List<Path> out = new ArrayList<>();
      for (FileStatus st : Fs.list(p)) {
        String name = st.getPath().getName();
        if (st.isFile() && !name.startsWith(".") && !name.startsWith("_") && st.getLen() > 0) {
          out.add(st.getPath());
        }
      }
      if (out.isEmpty()) {
        throw new BadInputException(key + ": directory " + p + " holds no data files");
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + p, e);
    }
  }

  /** Opens a file, decompressed (see {@link #decompress}); the caller closes the stream. */
  public static InputStream open(Path p) throws IOException {
    return decompress(p, Fs.open(p));
  }

  /**
   * The content of file {@code p}, read from {@code raw} (its bytes as stored), decompressed if its extension names a
   * codec or if it starts with gzip's magic bytes. Closing the result closes {@code raw}.
   *
   * @throws BadInputException if the codec cannot be used here (e.g. its native library is missing)
   */
  public static InputStream decompress(Path p, InputStream raw) throws IOException {
    CompressionCodec codec = codec(p.getName());
    if (codec instanceof GzipCodec) {
      return new GZIPInputStream(raw, 1 << 16); // the JDK's inflater: concatenated members, no native library needed
    }
    if (codec != null) {
      try {
        return codec.createInputStream(raw);
      } catch (RuntimeException | IOException | LinkageError e) {
        raw.close();
        throw new BadInputException(p + ": cannot decompress with " + codec.getClass().getSimpleName() + " (chosen by the extension "
            + codec.getDefaultExtension() + "): " + e);
      }
    }
    PushbackInputStream in = new PushbackInputStream(raw, 2);
    byte[] magic = new byte[2];
    int n = 0;
    while (n < 2) {
      int r = in.read(magic, n, 2 - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    in.unread(magic, 0, n);
    return n == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
  }

  /** The file name without a compression extension ({@code events.tsv.bz2} -> {@code events.tsv}). */
  public static String withoutCompression(String name) {
    CompressionCodec codec = codec(name);
    return codec == null ? name : CompressionCodecFactory.removeSuffix(name, codec.getDefaultExtension());
  }

  private static CompressionCodec codec(String name) {
    if (codecs == null) {
      codecs = new CompressionCodecFactory(Fs.conf());
    }
    return codecs.getCodec(new Path(name));
  }
}
