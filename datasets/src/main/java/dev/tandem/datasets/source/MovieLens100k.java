package dev.tandem.datasets.source;

import dev.tandem.datasets.text.BadInputException;
import dev.tandem.fs.Fs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * The layout of MovieLens-100k's own files, expressed with the generic readers: {@code u.data} is an event log,
 * {@code u.user} and {@code u.item} are side tables. The 19 genre flags of {@code u.item} become one multi-hot column
 * {@code genres} ("Action|Comedy"), and {@code release_year} is derived from {@code release_date} ("01-Jan-1995").
 */
public final class MovieLens100k {
  public static final List<String> EVENT_COLUMNS = List.of("user_id", "item_id", "rating", "timestamp");
  public static final List<String> USER_COLUMNS = List.of("user_id", "age", "gender", "occupation", "zip_code");
  public static final List<String> ITEM_COLUMNS = List.of("item_id", "title", "release_date", "release_year", "video_release_date", "imdb_url", "genres");

  private MovieLens100k() {}

  /** {@code u.data} as an event log: tab-separated user, item, rating and unix seconds, without a header. */
  public static EventLogSource eventSource(MovieLensSource src) {
    return new EventLogSource(
        new TextTable(src.path() + "/u.data", "\t", false, EVENT_COLUMNS, "UTF-8"),
        Map.of("user_id", "user_id", "item_id", "item_id", "timestamp", "timestamp", "rating", "rating"),
        "unix_seconds", null, null);
  }

  /**
   * A reader of {@code u.user} (age, gender, occupation, zip code by user id).
   *
   * @throws dev.tandem.datasets.text.BadInputException if the file does not exist
   */
  public static SideTableReader users(MovieLensSource src, String baseDir) {
    return new SideTableReader(new TextTable(src.path() + "/u.user", "|", false, USER_COLUMNS, "UTF-8"), "user_id", baseDir, "dataset.source.path", false);
  }

  /**
   * A reader of {@code u.item} (ISO-8859-1), its genre flags named from {@code u.genre} and joined into {@code genres}.
   *
   * @throws dev.tandem.datasets.text.BadInputException if {@code u.item} or {@code u.genre} is missing or
   *     {@code u.genre} does not list 19 genres
   */
  public static SideTableReader items(MovieLensSource src, String baseDir) {
    List<String> genres = genres(src, baseDir);
    List<String> fileNames = new ArrayList<>(List.of("item_id", "title", "release_date", "video_release_date", "imdb_url"));
    for (String g : genres) {
      fileNames.add("genre_" + g);
    }
    return new SideTableReader(new TextTable(src.path() + "/u.item", "|", false, fileNames, "ISO-8859-1"), "item_id", baseDir,
        "dataset.source.path", all -> derive(all, genres), ITEM_COLUMNS, false);
  }

  private static String[] derive(String[] all, List<String> genres) {
    StringBuilder g = new StringBuilder();
    for (int i = 0; i < genres.size(); i++) {
      if ("1".equals(all[5 + i])) {
        if (g.length() > 0) {
          g.append('|');
        }
        g.append(genres.get(i));
      }
    }
    String date = all[2];
    String year = date != null && date.length() >= 4 && date.substring(date.length() - 4).chars().allMatch(Character::isDigit)
        ? date.substring(date.length() - 4) : null;
    return new String[] {all[0], all[1], all[2], year, all[3], all[4], g.toString()};
  }

  /** Genre names in flag order, from u.genre ("Action|1"). */
  static List<String> genres(MovieLensSource src, String baseDir) {
    Path p = Fs.resolve(baseDir, src.path() + "/u.genre");
    if (!Fs.exists(p)) {
      throw new BadInputException("dataset.source.path: " + p + " not found (is " + Fs.resolve(baseDir, src.path()) + " a MovieLens-100k directory?)");
    }
    try {
      List<String> out = new ArrayList<>();
      for (String line : new String(Fs.readAll(p), StandardCharsets.ISO_8859_1).split("\n")) {
        String l = line.trim();
        if (l.isEmpty()) {
          continue;
        }
        int bar = l.lastIndexOf('|');
        if (bar <= 0) {
          throw new BadInputException(p + ": line '" + l + "' is not 'name|index'");
        }
        out.add(l.substring(0, bar).replace(' ', '_').replace('\'', '_'));
      }
      if (out.size() != 19) {
        throw new BadInputException(p + ": expected 19 genres, found " + out.size());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p, e);
    }
  }
}
