package dev.tandem.trainer.train;

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
    Integer epochs,
    Integer batchSize,
    Optimizer optimizer,
    Double learningRate,
    Integer warmupSteps,
    Decay decay,
    Double minLearningRate,
    Double weightDecay,
    Double gradientClip,
    EarlyStopping earlyStopping,
    Integer checkpointEvery,
    Integer keepCheckpoints,
    Integer workers,
    Integer evalBatchUsers,
    Boolean refit,
    Integer baselineEpochs,
    Double maxMinutes) {

  public static final TrainConfig DEFAULT = new TrainConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
      null, null, null);

  public TrainConfig {
    epochs = Check.orDefault(epochs, 10);
    Check.positive(epochs, "epochs");
    batchSize = Check.orDefault(batchSize, 512);
    Check.that(batchSize >= 2, "batch_size", "must be >= 2 (in-batch negatives need company), was " + batchSize);
    optimizer = Check.orDefault(optimizer, Optimizer.ADAM);
    learningRate = Check.orDefault(learningRate, 0.001);
    Check.positive(learningRate, "learning_rate");
    warmupSteps = Check.orDefault(warmupSteps, 0);
    Check.nonNegative(warmupSteps, "warmup_steps");
    decay = Check.orDefault(decay, Decay.NONE);
    minLearningRate = Check.orDefault(minLearningRate, 0.0);
    Check.inRange(minLearningRate, 0.0, 1.0, "min_learning_rate");
    weightDecay = Check.orDefault(weightDecay, 0.0);
    Check.that(weightDecay >= 0, "weight_decay", "must be >= 0");
    gradientClip = Check.orDefault(gradientClip, 0.0);
    Check.that(gradientClip >= 0, "gradient_clip", "must be >= 0");
    earlyStopping = Check.orDefault(earlyStopping, new EarlyStopping(null, null, null, null));
    Check.that(earlyStopping.startFromEpoch() < epochs, "early_stopping.start_from_epoch",
        "must be below epochs (" + epochs + "): some epoch must be watched to choose the best checkpoint, was " + earlyStopping.startFromEpoch());
    checkpointEvery = Check.orDefault(checkpointEvery, 0);
    Check.nonNegative(checkpointEvery, "checkpoint_every");
    keepCheckpoints = Check.orDefault(keepCheckpoints, 3);
    Check.positive(keepCheckpoints, "keep_checkpoints");
    workers = Check.orDefault(workers, 1);
    Check.positive(workers, "workers");
    evalBatchUsers = Check.orDefault(evalBatchUsers, 256);
    Check.positive(evalBatchUsers, "eval_batch_users");
    refit = Check.orDefault(refit, false);
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
  public record EarlyStopping(String metric, Integer patience, Double minDelta, Integer startFromEpoch) {
    public EarlyStopping {
      patience = Check.orDefault(patience, 3);
      Check.nonNegative(patience, "patience");
      minDelta = Check.orDefault(minDelta, 0.0);
      startFromEpoch = Check.orDefault(startFromEpoch, 0);
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
