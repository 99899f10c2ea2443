package dev.tandem.serving.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.trainer.checkpoint.Provenance;
import dev.tandem.trainer.metrics.EvaluationResult;
import dev.tandem.trainer.metrics.Scores;
import java.util.Map;

/**
 * {@code manifest.json} of a registry version: what the version holds and where it came from. Written by the registry
 * into the version's directory before the directory is claimed, so a version is never visible without it.
 *
 * @param format      layout version of this file
 * @param name        the model name
 * @param version     the version number (the directory is {@code v<version>})
 * @param created     when the version was published (ISO-8601, UTC)
 * @param exportId    unique id of the export that made it (tells concurrent exporters apart)
 * @param parent      the version this one was retrained to replace, if any
 * @param codeVersion the Tandem build that exported it
 * @param models      "retrieval" and optionally "ranking"
 * @param dataset     the dataset both models were trained on
 * @param serving     the serving configuration shipped with the version ({@code serving.yaml}) as a tree
 * @param files       every file of the version (relative path) with its size and SHA-256
 */
public record VersionManifest(int format, String name, int version, String created, String exportId, Integer parent, String codeVersion,
    Map<String, ModelEntry> models, DatasetEntry dataset, JsonNode serving, Map<String, FileEntry> files) {
  public static final int FORMAT = 1;
  public static final String FILE = "manifest.json";
  /** The SHA-256 of manifest.json, so that the manifest itself is verified too. */
  public static final String CHECKSUM_FILE = "manifest.sha256";

  /**
   * One model of the version.
   *
   * @param kind       "two_tower" or "ranking/&lt;architecture&gt;"
   * @param run        the training run it was exported from
   * @param checkpoint the checkpoint id
   * @param split      the split the metrics were computed on
   * @param metrics    the model's metrics (headline numbers; no per-group breakdowns or calibration table)
   * @param baseline   the baseline's name and metrics on the same split (popularity, or logistic regression)
   * @param config     the resolved job configuration it was trained with
   * @param provenance config hash, dataset fingerprint and inputs, code version, parent of the checkpoint
   */
  public record ModelEntry(String kind, String run, String checkpoint, String split, Scores metrics, EvaluationResult.Baseline baseline,
      JsonNode config, Provenance provenance) {}

  /**
   * The dataset of the version.
   *
   * @param fingerprint the prepared dataset's content fingerprint
   * @param path        where it was
   * @param profile     the bundle file holding its profile (the drift reference)
   * @param users       known users in the bundle
   * @param items       items in the bundle's catalogue
   */
  public record DatasetEntry(String fingerprint, String path, String profile, int users, int items) {}

  /** Size and SHA-256 of one file. */
  public record FileEntry(long bytes, String sha256) {}
}
