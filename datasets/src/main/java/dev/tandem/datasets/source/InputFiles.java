package dev.tandem.datasets.source;

import dev.tandem.datasets.text.BadInputException;
import dev.tandem.fs.Fs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/** Resolves a configured path to the files to read: the file itself, or a directory's data files in name order. */
public final class InputFiles {
  private InputFiles() {}

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

  /** Opens a file, decompressing {@code .gz}. */
  public static InputStream open(Path p) throws IOException {
    InputStream in = Fs.open(p);
    return p.getName().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
  }
}
