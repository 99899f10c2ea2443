package dev.tandem.datasets.source;

/** A raw file that went into a dataset: part of the data snapshot recorded in every model's provenance. */
public record InputFile(String path, long bytes, long modifiedMillis, String crc32c, long rows) {}
