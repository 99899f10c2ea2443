package dev.tandem.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.trainer.model.ModelConfig;
import dev.tandem.trainer.train.TrainConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Enum-valued keys accept their names in any case with '-' for '_', and a wrong value lists the choices. */
class JobConfigEnumTest {
  @TempDir
  Path dir;

  @Test
  void aWrongValueNamesTheKeyAndTheChoices() {
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.ranking("dcn", 1), dir, "train.optimizer=adamw"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("train.optimizer")
        .hasMessageContaining("'adamw' is not one of [adam, sgd, adagrad]");
    assertThatThrownBy(() -> SmallJobs.load(SmallJobs.ranking("dcn3", 1), dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.architecture")
        .hasMessageContaining("[dcn, dlrm, wide_deep, logistic]");
  }

  @Test
  void namesAreReadInAnyCaseWithDashesOrAmpersands() {
    assertThat(SmallJobs.load(SmallJobs.ranking("Wide-Deep", 1), dir, "train.optimizer=SGD").value().model().architecture())
        .isEqualTo(ModelConfig.Architecture.WIDE_DEEP);
    assertThat(SmallJobs.load(SmallJobs.ranking("wide&deep", 1), dir, "train.decay=Cosine").value().train().decay())
        .isEqualTo(TrainConfig.Decay.COSINE);
  }
}
