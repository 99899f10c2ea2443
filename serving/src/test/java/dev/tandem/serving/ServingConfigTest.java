package dev.tandem.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import org.junit.jupiter.api.Test;

class ServingConfigTest {
  @Test
  void defaultsAndOverrides() {
    ServingConfig d = ServingConfig.defaults();
    assertThat(d.retrieval().candidates()).isEqualTo(200);
    assertThat(d.retrieval().effectiveIndex(10_000)).isEqualTo(ServingConfig.IndexKind.EXACT);
    assertThat(d.retrieval().effectiveIndex(1_000_000)).isEqualTo(ServingConfig.IndexKind.HNSW);
    assertThat(d.rules().excludeSeen()).isTrue();
    assertThat(d.cache().ttlSeconds()).isEqualTo(300);
    ServingConfig c = ServingConfig.parse("rules: {max_per: {genres: 2}, exploration: {share: 0.1, seed: 3}}\nretrieval: {index: hnsw}", "t");
    assertThat(c.rules().maxPer()).containsEntry("genres", 2);
    assertThat(c.rules().exploration().seed()).isEqualTo(3L);
    assertThat(c.retrieval().effectiveIndex(10)).isEqualTo(ServingConfig.IndexKind.HNSW);
    assertThat(d.history().maxNewUsers()).isEqualTo(1_000_000);
    assertThat(d.history().maxAheadSeconds()).isEqualTo(86_400L);
    assertThat(ServingConfig.DEFAULT_YAML).as("the defaults file of bundles without history is unchanged").doesNotContain("history");
    ServingConfig h = ServingConfig.parse("history: {max_new_users: 5, max_ahead_seconds: 60}", "t");
    assertThat(h.history().maxNewUsers()).isEqualTo(5);
    assertThat(h.history().maxAheadSeconds()).isEqualTo(60L);
  }

  @Test
  void errorsNameTheKey() {
    assertThatThrownBy(() -> ServingConfig.parse("rules: {exploration: {share: 0.9}}", "s.yaml")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("rules.exploration.share").hasMessageContaining("[0.0, 0.5]");
    assertThatThrownBy(() -> ServingConfig.parse("retrieval: {candidatez: 5}", "s.yaml")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("retrieval.candidatez").hasMessageContaining("did you mean 'candidates'");
    assertThatThrownBy(() -> ServingConfig.parse("rules: {max_per: {category: 0}}", "s.yaml"))
        .hasMessageContaining("rules.max_per.category");
    assertThatThrownBy(() -> ServingConfig.parse("retrieval: {index: faiss}", "s.yaml")).hasMessageContaining("retrieval.index");
    assertThatThrownBy(() -> ServingConfig.parse("rules: {exploration: {from: somewhere}}", "s.yaml"))
        .hasMessageContaining("rules.exploration.from");
    assertThatThrownBy(() -> ServingConfig.parse("history: {max_new_user: 5}", "s.yaml")).hasMessageContaining("history.max_new_user");
    assertThatThrownBy(() -> ServingConfig.parse("history: {max_new_users: -1}", "s.yaml")).hasMessageContaining("history.max_new_users");
  }
}
