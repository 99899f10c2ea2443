package dev.tandem.trainer.train;

import static dev.tandem.config.Check.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tandem.config.Check;
import dev.tandem.config.ConfigEnum;

/**
 * The {@code train} section of a job.
 *
 * @param epochs           maximum number of epochs
 * @param batchSize        examples per step (two-tower: positive pairs; the other pairs of the batch are negatives)
 * @param optimizer        adam, sgd or adagrad
 * @param learningRate     peak learning rate
 * @param warmupSteps      linear warm-up from 0 to the peak over this many steps
 * @param decay            none, cosine, linear or exponential decay after warm-up (over the planned steps)
 * @param minLearningRate  floor of the decay, as a fraction of the peak
 * @param weightDecay      L2 penalty on weights (not biases)
 * @param gradientClip     clip each layer's gradient to this L2 norm (0 = off)
 * @param earlyStopping    stop when the validation metric has not improved for {@code patience} epochs
 * @param checkpointEvery  write a checkpoint every N steps (and always at the end of an epoch); 0 = epoch ends only
 * @param keepCheckpoints  keep the last K checkpoints plus the best one
 * @param workers          training threads on this machine (1 = exact, reproducible; more = ParallelWrapper)
 * @param evalBatchUsers   users scored per batch during retrieval evaluation
 * @param refit            after training, train the model again from scratch on train + validation for the number of
 *                         epochs validation chose, into {@code RUN/refit}: the model that serves the period after the
 *                         validation split has then seen its most recent events (see {@link Refit})
 * @param baselineEpochs   ranking: epochs of the logistic-regression baseline (default: up to 15, stopped early on
 *                         validation AUC); a refit sets it to the epoch the baseline's own validation chose
 * @param maxMinutes       optional wall-clock limit of one training session, checked at the end of each epoch: once
 *                         it is spent, the run stops there, finished, with the time limit as its stop reason
 */
public record TrainConfig(
    int epochs,
    int batchSize,
    Optimizer optimizer,
    double learningRate,
    int warmupSteps,
    Decay decay,
    double minLearningRate,
    double weightDecay,
    double gradientClip,
    EarlyStopping earlyStopping,
    int checkpointEvery,
    int keepCheckpoints,
    int workers,
    int evalBatchUsers,
    boolean refit,
    Integer baselineEpochs,
    Double maxMinutes) {

  /** Every key at its default: the train section of a job that has none. */
  public static final TrainConfig DEFAULT = of(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
      null);

  /**
   * The train section as a job writes it, with every key it leaves out (null) at its default: the one place the defaults
   * are written (README's job reference lists them). {@code baseline_epochs} and {@code max_minutes} have none: left
   * out, they are not set.
   */
  @JsonCreator
  public static TrainConfig of(
      @JsonProperty("epochs") Integer epochs,
      @JsonProperty("batch_size") Integer batchSize,
      @JsonProperty("optimizer") Optimizer optimizer,
      @JsonProperty("learning_rate") Double learningRate,
      @JsonProperty("warmup_steps") Integer warmupSteps,
      @JsonProperty("decay") Decay decay,
      @JsonProperty("min_learning_rate") Double minLearningRate,
      @JsonProperty("weight_decay") Double weightDecay,
      @JsonProperty("gradient_clip") Double gradientClip,
      @JsonProperty("early_stopping") EarlyStopping earlyStopping,
      @JsonProperty("checkpoint_every") Integer checkpointEvery,
      @JsonProperty("keep_checkpoints") Integer keepCheckpoints,
      @JsonProperty("workers") Integer workers,
      @JsonProperty("eval_batch_users") Integer evalBatchUsers,
      @JsonProperty("refit") Boolean refit,
      @JsonProperty("baseline_epochs") Integer baselineEpochs,
      @JsonProperty("max_minutes") Double maxMinutes) {
    return new TrainConfig(
        orDefault(epochs, 10),
        orDefault(batchSize, 512),
        orDefault(optimizer, Optimizer.ADAM),
        orDefault(learningRate, 0.001),
        orDefault(warmupSteps, 0),
        orDefault(decay, Decay.NONE),
        orDefault(minLearningRate, 0.0),
        orDefault(weightDecay, 0.0),
        orDefault(gradientClip, 0.0),
        orDefault(earlyStopping, EarlyStopping.DEFAULT),
        orDefault(checkpointEvery, 0),
        orDefault(keepCheckpoints, 3),
        orDefault(workers, 1),
        orDefault(evalBatchUsers, 256),
        orDefault(refit, false),
        baselineEpochs,
        maxMinutes);
  }

  public TrainConfig {
    Check.positive(epochs, "epochs");
    Check.that(batchSize >= 2, "batch_size", "must be >= 2 (in-batch negatives need company), was " + batchSize);
    Check.required(optimizer, "optimizer");
    Check.positive(learningRate, "learning_rate");
    Check.nonNegative(warmupSteps, "warmup_steps");
    Check.required(decay, "decay");
    Check.inRange(minLearningRate, 0.0, 1.0, "min_learning_rate");
    Check.that(weightDecay >= 0, "weight_decay", "must be >= 0");
    Check.that(gradientClip >= 0, "gradient_clip", "must be >= 0");
    Check.required(earlyStopping, "early_stopping");
    Check.that(earlyStopping.startFromEpoch() < epochs, "early_stopping.start_from_epoch",
        "must be below epochs (" + epochs + "): some epoch must be watched to choose the best checkpoint, was " + earlyStopping.startFromEpoch());
    Check.nonNegative(checkpointEvery, "checkpoint_every");
    Check.positive(keepCheckpoints, "keep_checkpoints");
    Check.positive(workers, "workers");
    Check.positive(evalBatchUsers, "eval_batch_users");
    if (baselineEpochs != null) {
      Check.positive(baselineEpochs, "baseline_epochs");
    }
    if (maxMinutes != null) {
      Check.positive(maxMinutes, "max_minutes");
    }
  }

  /**
   * @param metric   validation metric to watch (default: recall@10 for retrieval, auc for ranking)
   * @param patience epochs without improvement before stopping (0 = never stop early)
   * @param minDelta smallest change that counts as an improvement
   * @param startFromEpoch epochs 1..N are not watched: none of them is taken as the best checkpoint and none counts
   *                 toward patience (as Keras' {@code start_from_epoch}). A barely trained model can score a validation
   *                 metric it never reaches again by luck (noticeably with sparse distributed updates), and selecting it
   *                 would stop the run before it has learned anything but popularity.
   */
  public record EarlyStopping(String metric, int patience, double minDelta, int startFromEpoch) {
    /** Every key at its default: patience 3, no minimum change, every epoch watched. */
    public static final EarlyStopping DEFAULT = of(null, null, null, null);

    /** The section as a job writes it, with every key it leaves out (null) at its default. */
    @JsonCreator
    public static EarlyStopping of(@JsonProperty("metric") String metric, @JsonProperty("patience") Integer patience,
        @JsonProperty("min_delta") Double minDelta, @JsonProperty("start_from_epoch") Integer startFromEpoch) {
      return new EarlyStopping(metric, orDefault(patience, 3), orDefault(minDelta, 0.0), orDefault(startFromEpoch, 0));
    }

    public EarlyStopping {
      Check.nonNegative(patience, "patience");
      Check.nonNegative(startFromEpoch, "start_from_epoch");
    }

    /** Whether the validation metric of this epoch (1-based) may become the best and count toward patience. */
    public boolean watches(int epoch) {
      return epoch > startFromEpoch;
    }
  }

  public enum Optimizer implements ConfigEnum {
    ADAM, SGD, ADAGRAD
  }

  public enum Decay implements ConfigEnum {
    NONE, COSINE, LINEAR, EXPONENTIAL
  }
}
