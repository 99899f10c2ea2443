package dev.tandem.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.datasets.shard.ColumnFile;
import dev.tandem.datasets.source.InputFile;
import java.util.List;
import java.util.Map;

/**
 * {@code dataset.json}: the table of contents of a prepared dataset, written last so that a directory without it is
 * known to be incomplete. Lists every file with its checksum, the inputs (the data snapshot) and the configuration.
 *
 * @param fingerprint identifies the prepared content: a hash of every file's checksum
 * @param cacheKey    identifies the recipe: configuration plus the inputs' paths, sizes and modification times
 * @param signals     raw numeric outcome columns kept in the event shards ({@code sig.<name>})
 */
public record Manifest(int format, String fingerprint, String cacheKey, String created, String codeVersion, String label,
    List<String> signals, JsonNode datasetConfig, Map<String, List<ColumnFile.Written>> splits, ColumnFile.Written users, ColumnFile.Written items,
    Map<String, String> files, List<InputFile> inputs) {
  public static final int FORMAT = 1;
  public static final String FILE = "dataset.json";
}
