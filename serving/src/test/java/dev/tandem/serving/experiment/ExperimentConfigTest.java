package dev.tandem.serving.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.serving.ServingConfig;
import org.junit.jupiter.api.Test;

/** The experiment and impressions sections of serving.yaml: defaults, and errors that name the key. */
class ExperimentConfigTest {

  @Test
  void theSectionsParseWithDefaults() {
    ServingConfig c = ServingConfig.parse("experiment: {name: ranker-v7, challenger: /models/recs@staging, share: 0.1}\n"
        + "impressions: {batch: 32}", "serving.yaml");
    assertThat(c.experiment()).isEqualTo(new ServingConfig.Experiment("ranker-v7", "/models/recs@staging", 0.1, "ranker-v7"));
    assertThat(c.impressions().batch()).isEqualTo(32);
    assertThat(c.impressions().flushMillis()).isEqualTo(1000);
    ServingConfig none = ServingConfig.parse("retrieval: {index: exact}", "serving.yaml");
    assertThat(none.experiment()).isNull();
    assertThat(none.impressions().batch()).isEqualTo(256);
  }

  @Test
  void errorsNameTheKey() {
    assertThatThrownBy(() -> ServingConfig.parse("experiment: {name: x, challenger: /m/r@staging, share: 1.5}", "s.yaml"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("experiment.share");
    assertThatThrownBy(() -> ServingConfig.parse("experiment: {name: 'a b', challenger: /m/r@staging, share: 0.5}", "s.yaml"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("experiment.name");
    assertThatThrownBy(() -> ServingConfig.parse("experiment: {name: x, share: 0.5}", "s.yaml"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("experiment.challenger");
    assertThatThrownBy(() -> ServingConfig.parse("impressions: {batch: 0}", "s.yaml"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("impressions.batch");
    assertThatThrownBy(() -> ServingConfig.parse("impressions: {batches: 5}", "s.yaml"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("impressions.batches");
  }
}
