package dev.tandem.datasets.source;

import dev.tandem.config.Check;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Locale;

/**
 * How a delimited text file is laid out. Shared by the event log and side tables.
 *
 * @param path      a file, or a directory whose files are read in name order (hidden files and _SUCCESS skipped)
 * @param delimiter one character; "tab" or "\t" for TSV. Default: tab for .tsv/.tab files (also compressed, such
 *                  as .tsv.gz), else comma
 * @param header    whether the first line names the columns
 * @param names     column names for files without a header
 * @param encoding  character set of the file (default UTF-8; MovieLens' u.item is ISO-8859-1)
 */
public record TextTable(String path, String delimiter, Boolean header, List<String> names, String encoding) {
  public TextTable {
    Check.requiredText(path, "path");
    header = Check.orDefault(header, Boolean.TRUE);
    encoding = Check.orDefault(encoding, "UTF-8");
    Check.that(Charset.isSupported(encoding), "encoding", "unknown character set '" + encoding + "'");
    if (delimiter != null) {
      String d = delimiter.equalsIgnoreCase("tab") ? "\t" : delimiter;
      Check.that(d.length() == 1 && d.charAt(0) < 128 && d.charAt(0) != '"' && d.charAt(0) != '\n',
          "delimiter", "must be one ASCII character (or 'tab'), was '" + delimiter + "'");
      delimiter = d;
    }
    Check.that(header || (names != null && !names.isEmpty()), "names",
        "a file without a header needs the column names (names: [...])");
    if (names != null) {
      for (int i = 0; i < names.size(); i++) {
        int first = names.indexOf(names.get(i));
        Check.that(first == i, "names", "'" + names.get(i) + "' is given twice (positions " + (first + 1) + " and " + (i + 1) + ")");
      }
    }
    names = names == null ? null : List.copyOf(names);
  }

  /** The delimiter to use for {@code fileName}, honouring the configured one first. */
  public char delimiterFor(String fileName) {
    if (delimiter != null) {
      return delimiter.charAt(0);
    }
    String lower = InputFiles.withoutCompression(fileName).toLowerCase(Locale.ROOT);
    return lower.endsWith(".tsv") || lower.endsWith(".tab") ? '\t' : ',';
  }

  /** The file's character set. */
  public Charset charset() {
    return Charset.forName(encoding);
  }
}
