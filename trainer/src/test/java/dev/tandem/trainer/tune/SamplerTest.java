package dev.tandem.trainer.tune;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.config.ConfigLoader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Samplers are deterministic under their seed, cover their space, and TPE learns from finished trials. */
class SamplerTest {
  /** The parts of a sweep a sampler reads. */
  record Tune(Long seed, SamplerConfig sampler, Map<String, ParamSpec> space) {}

  static final String SPACE = """
      space:
        train.learning_rate: {type: loguniform, low: 0.0001, high: 0.1}
        model.temperature: {type: uniform, low: 0.05, high: 0.5, step: 0.05}
        train.batch_size: {type: int, low: 64, high: 1024, log: true}
        model.hidden: {type: choice, values: [[16], [32, 16], []]}
      """;

  static Tune parse(String yaml) {
    return ConfigLoader.parse(yaml, "sweep.yaml", ".", Tune.class, List.of()).value();
  }

  static Tune cfg(String sampler, long seed) {
    return parse("seed: " + seed + "\nsampler: " + sampler + "\n" + SPACE);
  }

  static Sampler sampler(Tune c) {
    return Sampler.of(c.sampler(), SearchSpace.of(c.space()), c.seed(), true);
  }

  static List<Map<String, JsonNode>> draw(Tune c, int n, boolean learn) {
    Sampler s = sampler(c);
    List<Map<String, JsonNode>> out = new ArrayList<>();
    List<Sampler.Observation> history = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      Map<String, JsonNode> p = s.next(i, history).orElseThrow();
      out.add(p);
      if (learn) {
        // a made-up objective, best near learning_rate 0.003
        double lr = p.get("train.learning_rate").asDouble();
        history.add(new Sampler.Observation(p, -Math.abs(Math.log(lr / 0.003))));
      }
    }
    return out;
  }

  @Test
  void randomSamplingIsDeterministicUnderTheSeedAndStaysInRange() {
    List<Map<String, JsonNode>> a = draw(cfg("{type: random}", 11), 30, false);
    assertThat(draw(cfg("{type: random}", 11), 30, false)).isEqualTo(a);
    assertThat(draw(cfg("{type: random}", 12), 30, false)).isNotEqualTo(a);
    Set<JsonNode> hidden = new HashSet<>();
    for (Map<String, JsonNode> p : a) {
      assertThat(p.get("train.learning_rate").asDouble()).isBetween(0.0001, 0.1);
      double t = p.get("model.temperature").asDouble();
      assertThat(t).isBetween(0.05, 0.5);
      assertThat(Math.abs(t / 0.05 - Math.rint(t / 0.05))).as("on the 0.05 grid: %s", t).isLessThan(1e-6);
      assertThat(p.get("train.batch_size").isIntegralNumber()).isTrue();
      assertThat(p.get("train.batch_size").asInt()).isBetween(64, 1024);
      hidden.add(p.get("model.hidden"));
    }
    assertThat(hidden).hasSize(3);
    // trial i depends only on (seed, i): the 5th trial is the same whether or not earlier trials were drawn
    Sampler s = sampler(cfg("{type: random}", 11));
    assertThat(s.next(5, List.of()).orElseThrow()).isEqualTo(a.get(4));
  }

  @Test
  void gridVisitsEveryCombinationOnceInASeededOrder() {
    String grid = """
        space:
          a: {type: choice, values: [1, 2, 3]}
          b: {type: loguniform, low: 0.001, high: 0.1, points: 3}
          c: {type: int, low: 1, high: 2}
        sampler: {type: grid}
        """;
    Tune c1 = parse("seed: 1\n" + grid);
    Tune c2 = parse("seed: 2\n" + grid);
    Sampler s1 = sampler(c1);
    List<Map<String, JsonNode>> order = new ArrayList<>();
    for (int i = 1; s1.next(i, List.of()).isPresent(); i++) {
      order.add(s1.next(i, List.of()).get());
    }
    assertThat(order).hasSize(18).doesNotHaveDuplicates();
    Set<Double> bs = new HashSet<>();
    order.forEach(p -> bs.add(p.get("b").asDouble()));
    assertThat(bs).containsExactlyInAnyOrder(0.001, 0.01, 0.1);
    List<Map<String, JsonNode>> again = new ArrayList<>();
    List<Map<String, JsonNode>> other = new ArrayList<>();
    Sampler s1b = sampler(c1);
    Sampler s2 = sampler(c2);
    for (int i = 1; i <= 18; i++) {
      again.add(s1b.next(i, List.of()).orElseThrow());
      other.add(s2.next(i, List.of()).orElseThrow());
    }
    assertThat(again).isEqualTo(order);
    assertThat(other).isNotEqualTo(order).containsExactlyInAnyOrderElementsOf(order);
  }

  @Test
  void tpeIsDeterministicAndConcentratesWhereTrialsWereGood() {
    String tpe = "{type: tpe, startup_trials: 8}";
    List<Map<String, JsonNode>> a = draw(cfg(tpe, 5), 40, true);
    assertThat(draw(cfg(tpe, 5), 40, true)).isEqualTo(a);
    assertThat(draw(cfg(tpe, 6), 40, true)).isNotEqualTo(a);
    // the first startup_trials are exactly the random sampler's
    assertThat(a.subList(0, 8)).isEqualTo(draw(cfg("{type: random}", 5), 8, false));
    // after start-up the model-based trials sit closer to the optimum (0.003) than random ones do
    double tpeDistance = meanLogDistance(a.subList(20, 40));
    double randomDistance = meanLogDistance(draw(cfg("{type: random}", 5), 40, false).subList(20, 40));
    assertThat(tpeDistance).as("TPE %.3f vs random %.3f", tpeDistance, randomDistance).isLessThan(randomDistance * 0.6);
  }

  static double meanLogDistance(List<Map<String, JsonNode>> ps) {
    return ps.stream().mapToDouble(p -> Math.abs(Math.log(p.get("train.learning_rate").asDouble() / 0.003))).average().orElseThrow();
  }
}
