package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.config.ConfigLoader;
import dev.tandem.datasets.source.EventLogSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetConfigLoadTest {
  private static final String VALID = """
      source:
        format: events
        events: {path: events.csv}
        columns: {user_id: userId, item_id: movieId, timestamp: timestamp, rating: rating}
      label: "rating >= 4"
      features:
        - {name: user_id, entity: user, kind: categorical}
        - {name: item_id, entity: item, kind: categorical}
      """;

  private static DatasetConfig parse(String yaml, String... overrides) {
    return ConfigLoader.parse(yaml, "job.yaml", "/base", DatasetConfig.class, List.of(overrides)).value();
  }

  @Test
  void bindsSnakeCaseKeysAndFillsDefaults() {
    DatasetConfig c = parse(VALID);
    assertThat(c.maxBadRows()).isZero();
    assertThat(c.split().train()).isEqualTo(0.8);
    assertThat(c.features().get(0).kind()).isEqualTo(FeatureKind.CATEGORICAL);
    assertThat(((EventLogSource) c.source()).columns()).containsEntry("user_id", "userId");
  }

  @Test
  void unknownKeyIsNamedWithItsPathAndASuggestion() {
    assertThatThrownBy(() -> parse(VALID + "max_bad_row: 3\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max_bad_row")
        .hasMessageContaining("did you mean 'max_bad_rows'");
    assertThatThrownBy(() -> parse(VALID.replace("kind: categorical}\n  - {name: item_id", "kind: categorical, vocabb: {}}\n  - {name: item_id")))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("features[0].vocabb"));
  }

  @Test
  void wrongTypeNamesTheKey() {
    assertThatThrownBy(() -> parse(VALID + "max_bad_rows: lots\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("max_bad_rows: ")
        .hasMessageContaining("integer");
  }

  @Test
  void failedCheckNamesTheNestedKey() {
    assertThatThrownBy(() -> parse(VALID + "split: {train: 0.9, validation: 0.2}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("split.test")
        .hasMessageContaining("must be in [0.0, 1.0]");
    assertThatThrownBy(() -> parse(VALID.replace("kind: categorical}\n  - {name: item_id", "kind: numeric, vocab: {min_count: 2}}\n  - {name: item_id")))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("features[0].vocab"));
  }

  @Test
  void unknownEnumAndFormatAreNamed() {
    assertThatThrownBy(() -> parse(VALID.replace("entity: user", "entity: person")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("features[0].entity");
    assertThatThrownBy(() -> parse(VALID.replace("format: events", "format: parquet")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source")
        .hasMessageContaining("parquet")
        .hasMessageContaining("movielens-100k");
  }

  @Test
  void badLabelRuleAndMissingRequiredKeys() {
    assertThatThrownBy(() -> parse(VALID.replace("rating >= 4", "rating is good")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("label");
    assertThatThrownBy(() -> parse(VALID.replace("user_id: userId, ", "")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.columns.user_id")
        .hasMessageContaining("required");
  }

  @Test
  void overridesAreTypedAndValidated() {
    DatasetConfig c = parse(VALID, "max_bad_rows=25", "split.train=0.7", "split.validation=0.15", "features[1].kind=multi_hot");
    assertThat(c.maxBadRows()).isEqualTo(25);
    assertThat(c.split().train()).isEqualTo(0.7);
    assertThat(c.features().get(1).kind()).isEqualTo(FeatureKind.MULTI_HOT);
    assertThatThrownBy(() -> parse(VALID, "max_bad_rowz=1")).isInstanceOf(ConfigException.class).hasMessageContaining("max_bad_rowz");
    assertThatThrownBy(() -> parse(VALID, "features[7].kind=numeric")).isInstanceOf(ConfigException.class).hasMessageContaining("no element [7]");
    assertThatThrownBy(() -> parse(VALID, "nonsense")).isInstanceOf(ConfigException.class).hasMessageContaining("key=value");
  }

  @Test
  void yamlSyntaxErrorsNameFileAndLine() {
    assertThatThrownBy(() -> parse("source: {format: events\nlabel: x"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("job.yaml:");
  }

  @Test
  void missingFileIsNamed() {
    assertThatThrownBy(() -> ConfigLoader.load("/no/such/job.yaml", DatasetConfig.class, List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("/no/such/job.yaml");
  }
}
