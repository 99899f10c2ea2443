package dev.tandem.trainer.tune.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SweepConfigTest {
  static final String VALID = """
      name: s
      base: job.yaml
      space:
        train.learning_rate: {type: loguniform, low: 0.001, high: 0.1}
        model.embedding_dim: {type: choice, values: [8, 16]}
      objective: {metric: recall@10}
      budget: {max_trials: 4}
      """;

  static SweepConfig parse(String yaml) {
    return SweepConfig.parse(yaml, "sweep.yaml", ".").value();
  }

  @Test
  void aValidSweepGetsItsDefaults() {
    SweepConfig c = parse(VALID);
    assertThat(c.seed()).isZero();
    assertThat(c.objective().direction()).isEqualTo("max");
    assertThat(c.objective().split()).isEqualTo("validation");
    assertThat(c.sampler().type()).isEqualTo(dev.tandem.trainer.tune.SamplerConfig.Type.RANDOM);
    assertThat(c.budget().maxParallel()).isEqualTo(1);
    assertThat(c.scheduler().type()).isEqualTo(SweepConfig.Scheduler.Type.NONE);
    assertThat(c.space().keySet()).containsExactly("train.learning_rate", "model.embedding_dim");
    assertThat(parse(VALID.replace("{metric: recall@10}", "{metric: val_logloss}")).objective().direction()).isEqualTo("min");
  }

  @Test
  void theExampleSweepLoads() {
    SweepConfig c = SweepConfig.load(Path.of("..", "examples", "sweep-movielens-100k-two-tower.yaml").toString()).value();
    assertThat(c.budget().maxTrials()).isEqualTo(12);
    assertThat(c.scheduler().type()).isEqualTo(SweepConfig.Scheduler.Type.ASHA);
  }

  /** Each broken sweep is refused with an error that names the key at fault. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{type: loguniform, low: 0.001, high: 0.1}|{type: loguniform, low: 0, high: 0.1}|space.train.learning_rate.low",
      "{type: loguniform, low: 0.001, high: 0.1}|{type: loguniform, low: 0.1, high: 0.01}|space.train.learning_rate.high",
      "{type: loguniform, low: 0.001, high: 0.1}|{type: normal, low: 0.1, high: 0.2}|space.train.learning_rate.type",
      "{type: loguniform, low: 0.001, high: 0.1}|{type: uniform, low: 0.001}|space.train.learning_rate.high",
      "{type: loguniform, low: 0.001, high: 0.1}|{type: int, low: 1.5, high: 4}|space.train.learning_rate.low",
      "{type: choice, values: [8, 16]}|{type: choice, values: []}|space.model.embedding_dim.values",
      "{type: choice, values: [8, 16]}|{type: choice, values: [8], low: 1}|space.model.embedding_dim.low",
      "{metric: recall@10}|{metric: recall@10, direction: up}|objective.direction",
      "{metric: recall@10}|{metric: recall@10, split: train}|objective.split",
      "{metric: recall@10}|{direction: max}|objective.metric",
      "{max_trials: 4}|{max_trials: 0}|budget.max_trials",
      "{max_trials: 4}|{max_trials: 4, max_parallel: 0}|budget.max_parallel",
      "{max_trials: 4}|{max_trials: 4, max_minutes: -1}|budget.max_minutes",
      "{max_trials: 4}|{max_trials: 4, max_trails: 3}|budget.max_trails",
      "{max_trials: 4}|{max_parallel: 2}|budget.max_trials",
  })
  void errorsNameTheKey(String from, String to, String key) {
    String yaml = VALID.replace(from, to);
    assertThat(yaml).isNotEqualTo(VALID);
    assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(key)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
  }

  @Test
  void schedulerSamplerAndTopLevelErrorsNameTheKey() {
    assertThatThrownBy(() -> parse(VALID + "scheduler: {type: asha, eta: 1}\n")).hasMessageContaining("scheduler.eta");
    assertThatThrownBy(() -> parse(VALID + "scheduler: {type: asha, min_epochs: 4, max_epochs: 3}\n"))
        .hasMessageContaining("scheduler.max_epochs");
    assertThatThrownBy(() -> parse(VALID + "scheduler: {type: none, eta: 3}\n")).hasMessageContaining("scheduler.type");
    assertThatThrownBy(() -> parse(VALID + "sampler: {type: bayes}\n")).hasMessageContaining("sampler.type");
    assertThatThrownBy(() -> parse(VALID + "sampler: {type: random, gamma: 0.2}\n")).hasMessageContaining("sampler.type");
    assertThatThrownBy(() -> parse(VALID + "sampler: {type: tpe, gamma: 1.5}\n")).hasMessageContaining("sampler.gamma");
    assertThatThrownBy(() -> parse(VALID.replace("base: job.yaml\n", ""))).hasMessageContaining("base");
    assertThatThrownBy(() -> parse(VALID + "set: {train.learning_rate: 0.01}\n")).hasMessageContaining("space.train.learning_rate");
    assertThatThrownBy(() -> parse(VALID.replace("name: s", "name: 'a b'"))).hasMessageContaining("name");
    assertThatThrownBy(() -> parse(VALID + "trial: {jvm_options: [Xmx1g]}\n")).hasMessageContaining("trial.jvm_options[0]");
    assertThatThrownBy(() -> parse(VALID.replace("model.embedding_dim", "cluster.mode"))).hasMessageContaining("space.cluster.mode");
  }
}
