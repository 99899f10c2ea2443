package dev.tandem.ps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.ps.Dl4jInternals.Handle;
import dev.tandem.ps.Dl4jInternals.Location;
import java.util.Map;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.parameterserver.networking.v2.WiredEncodingHandler;
import org.deeplearning4j.spark.parameterserver.pw.SharedTrainingWrapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The reflection guard over DL4J's internals: it resolves against the real DL4J and fails loudly when a field moved. */
class Dl4jInternalsTest {

  @Test
  void resolvesEveryFieldOfTheDl4jOnTheClassPath() {
    Dl4jInternals dl4j = Dl4jInternals.resolve(Map.of());
    assertThat(dl4j.missingMetrics()).isEmpty();
    assertThat(Dl4jInternals.verified()).isNotNull();
    assertThat(Dl4jInternals.versions()).contains("dl4j-spark-parameterserver_2.12 1.0.0-M2", "deeplearning4j-nn 1.0.0-M2.1",
        "nd4j-parameter-server-node_2.12 1.0.0-M2");
  }

  @Test
  void readsTheEncodingCountersOfRealDl4jObjects() {
    Dl4jInternals dl4j = Dl4jInternals.resolve(Map.of());
    AdaptiveThresholdAlgorithm algorithm = new AdaptiveThresholdAlgorithm(2e-3, 1e-4, 1e-2, 0.95);
    assertThat(dl4j.algorithmValue(Handle.THRESHOLD, algorithm)).isNaN(); // DL4J's own "not yet"
    algorithm.calculateThreshold(0, 0, null, null, null, Nd4j.ones(10));
    assertThat(dl4j.algorithmValue(Handle.THRESHOLD, algorithm)).isEqualTo(2e-3);
    assertThat(dl4j.updatesSent(new WiredEncodingHandler(algorithm, null, null, false))).isZero();
  }

  @Test
  void aMissingFieldFailsAtStartUpNamingTheFieldWhatItIsForAndTheVersions() {
    assertThatThrownBy(() -> Dl4jInternals.resolve(Map.of(Handle.UPDATE_CONSUMER, new Location(SharedTrainingWrapper.class, "updatesConsumer"))))
        .isInstanceOf(Dl4jIncompatibleException.class)
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("org.deeplearning4j.spark.parameterserver.pw.SharedTrainingWrapper.updatesConsumer: no such field")
        .hasMessageContaining("bypass mode")
        .hasMessageContaining("written for dl4j-spark-parameterserver_2.12 1.0.0-M2 (this class path has 1.0.0-M2)");
  }

  @Test
  void aClassThatLacksTheFieldFails() {
    assertThatThrownBy(() -> Dl4jInternals.resolve(Map.of(Handle.MESH, new Location(String.class, "mesh"))))
        .isInstanceOf(Dl4jIncompatibleException.class)
        .hasMessageContaining("java.lang.String.mesh: no such field")
        .hasMessageContaining("nd4j-parameter-server-node_2.12 1.0.0-M2");
  }

  @Test
  void aFieldOfAnotherTypeFailsAndEveryProblemIsNamedAtOnce() {
    assertThatThrownBy(() -> Dl4jInternals.resolve(Map.of(
        Handle.UPDATE_CONSUMER, new Location(SharedTrainingWrapper.class, "isFirst"),
        Handle.TRAINED_MODEL, new Location(SharedTrainingWrapper.class, "model"))))
        .isInstanceOf(Dl4jIncompatibleException.class)
        .hasMessageContaining("SharedTrainingWrapper.isFirst: has type java.util.concurrent.atomic.AtomicBoolean, expected "
            + "org.deeplearning4j.spark.parameterserver.networking.v2.UpdatesConsumer")
        .hasMessageContaining("SharedTrainingWrapper.model: no such field");
  }

  @Test
  void aMissingMetricFieldIsToleratedAndReadAsUnknown() {
    Dl4jInternals dl4j = Dl4jInternals.resolve(Map.of(Handle.THRESHOLD, new Location(AdaptiveThresholdAlgorithm.class, "threshold")));
    assertThat(dl4j.missingMetrics()).containsExactly(Handle.THRESHOLD);
    AdaptiveThresholdAlgorithm algorithm = new AdaptiveThresholdAlgorithm(2e-3, 1e-4, 1e-2, 0.95);
    algorithm.calculateThreshold(0, 0, null, null, null, Nd4j.ones(10));
    assertThat(dl4j.algorithmValue(Handle.THRESHOLD, algorithm)).isNaN();
  }
}
