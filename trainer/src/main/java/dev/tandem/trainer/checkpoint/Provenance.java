package dev.tandem.trainer.checkpoint;

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
 * @param metrics            validation metrics so far (latest epoch)
 * @param parent             the model this one was retrained from, if any
 */
public record Provenance(String configSha256, String datasetFingerprint, String datasetPath, String datasetCacheKey,
    java.util.List<dev.tandem.datasets.source.InputFile> inputs, String codeVersion, String createdAt, Map<String, Object> metrics,
    String parent) {}
