package dev.tandem.datasets.source;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Where raw interactions come from; {@code format} picks the reader. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "format")
@JsonSubTypes({
    @JsonSubTypes.Type(value = EventLogSource.class, name = "events"),
    @JsonSubTypes.Type(value = MovieLensSource.class, name = "movielens-100k"),
    @JsonSubTypes.Type(value = SyntheticSource.class, name = "synthetic")
})
public sealed interface SourceConfig permits EventLogSource, MovieLensSource, SyntheticSource {}
