package dev.tandem.datasets.source;

import dev.tandem.config.Check;

/**
 * MovieLens-100k in its own files: {@code u.data} (tab separated user, item, rating, timestamp) joined with
 * {@code u.user} (age, gender, occupation, zip_code) and {@code u.item} (ISO-8859-1; title, release_date, imdb_url
 * and 19 genre flags, exposed as one multi-hot column {@code genres} and a derived {@code release_year}).
 *
 * @param path the directory holding u.data, u.user, u.item and u.genre
 */
public record MovieLensSource(String path) implements SourceConfig {
  public MovieLensSource {
    Check.requiredText(path, "path");
  }
}
