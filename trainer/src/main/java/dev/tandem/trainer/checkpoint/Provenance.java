package dev.tandem.trainer.checkpoint;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.datasets.source.InputFile;
import java.util.List;
import java.util.Map;

/**
 * Where a model came from: recorded with every checkpoint and carried into the registry.
 *
 * @param configSha256       hash of the resolved job configuration (overrides included)
 * @param datasetFingerprint fingerprint of the prepared dataset's content
 * @param datasetPath        where that dataset is
 * @param datasetCacheKey    the recipe that produced it (configuration + raw inputs)
 * @param inputs             the raw files read (path, size, checksum): the data snapshot
 * @param codeVersion        Tandem version and git commit
 * @param createdAt          when the checkpoint was written
 * @param metrics            the latest finished epoch's metrics.jsonl line as that version wrote it (empty before the
 *                           first epoch ends): a record of the moment, carried into registry manifests unchanged
 * @param parent             the model this one was retrained from, if any
 * @param runtime            the JVM, OS, architecture, DL4J version and ND4J backend that computed the model (null in
 *                           checkpoints written before it was recorded)
 * @param sweep              for a model chosen by a hyperparameter sweep: the sweep, its search space, the trial, its
 *                           rank and objective (null otherwise, and then left out of the JSON so checkpoints written
 *                           before this field existed and after are alike)
 */
public record Provenance(String configSha256, String datasetFingerprint, String datasetPath, String datasetCacheKey,
    List<InputFile> inputs, String codeVersion, String createdAt, Map<String, Object> metrics,
    String parent, @JsonInclude(JsonInclude.Include.NON_NULL) NumericsRuntime runtime,
    @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode sweep) {
  /** The version of {@code provenance.json}'s format (see {@link dev.tandem.format.Persisted}). */
  public static final int FORMAT = 1;

  @JsonCreator
  public Provenance {}

  /** The provenance of a training checkpoint taken in this JVM (its runtime recorded, no sweep). */
  public static Provenance ofTraining(String configSha256, String datasetFingerprint, String datasetPath, String datasetCacheKey,
      List<InputFile> inputs, String codeVersion, String createdAt, Map<String, Object> metrics,
      String parent) {
    return new Provenance(configSha256, datasetFingerprint, datasetPath, datasetCacheKey, inputs, codeVersion, createdAt, metrics, parent,
        NumericsRuntime.current(), null);
  }

  /** A copy that records the sweep this model was selected by. */
  public Provenance withSweep(JsonNode sweepInfo) {
    return new Provenance(configSha256, datasetFingerprint, datasetPath, datasetCacheKey, inputs, codeVersion, createdAt, metrics, parent,
        runtime, sweepInfo);
  }
}
