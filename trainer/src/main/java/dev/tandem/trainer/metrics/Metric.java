package dev.tandem.trainer.metrics;

import dev.tandem.datasets.split.SplitName;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A metric by name and direction: what evaluation computes (recall@10, ndcg@10, hitrate@10, auc, logloss) and which
 * way is better. The one place that knows how a metric is keyed in {@code metrics.jsonl} ({@link #key}: {@code val_}
 * for the validation split, {@code train_} for training) and which validation metric picks a model's best epoch
 * ({@link #watched}).
 *
 * @param name      as evaluation names it, without a split prefix
 * @param direction whether larger or smaller values are better
 */
public record Metric(String name, Direction direction) {
  /** Which way a metric improves. */
  public enum Direction {
    MAXIMISE, MINIMISE
  }

  /** Ranking: ROC AUC. */
  public static final Metric AUC = named("auc");
  /** Ranking: log loss. */
  public static final Metric LOGLOSS = named("logloss");
  /** The mean minibatch loss of an epoch's training ({@code train_loss} in metrics.jsonl). */
  public static final Metric LOSS = named("loss");

  public Metric {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(direction, "direction");
  }

  /** A metric as evaluation names it: minimised when its name says it is a loss or an error, maximised otherwise. */
  public static Metric named(String name) {
    return new Metric(name, name.contains("loss") || name.contains("error") ? Direction.MINIMISE : Direction.MAXIMISE);
  }

  /** The metric a metrics.jsonl key or a plain name stands for: {@code val_recall@10} and {@code recall@10} are both recall@10. */
  public static Metric parse(String nameOrKey) {
    String name = nameOrKey.trim();
    return ofKey(name, SplitName.VALIDATION).orElseGet(() -> named(name));
  }

  /** The metric a metrics.jsonl key holds for a split ({@code val_auc}: AUC on validation), if the key is one. */
  public static Optional<Metric> ofKey(String key, SplitName split) {
    String prefix = prefix(split);
    return key.startsWith(prefix) && key.length() > prefix.length() ? Optional.of(named(key.substring(prefix.length()))) : Optional.empty();
  }

  /** Retrieval: the share of a user's positives in the top {@code k}. */
  public static Metric recall(int k) {
    return named("recall@" + k);
  }

  /** Retrieval: normalised discounted cumulative gain of the top {@code k}. */
  public static Metric ndcg(int k) {
    return named("ndcg@" + k);
  }

  /** Retrieval: whether any positive is in the top {@code k}. */
  public static Metric hitRate(int k) {
    return named("hitrate@" + k);
  }

  /**
   * The validation metric that chooses a model's best epoch (and drives early stopping): the one the job names, else
   * Recall@K at the first cut-off for retrieval and AUC for ranking.
   *
   * @param chosen    {@code train.early_stopping.metric}, or null
   * @param retrieval whether the model is a two-tower (retrieval) model
   * @param cutoffs   {@code eval.k}
   */
  public static Metric watched(String chosen, boolean retrieval, List<Integer> cutoffs) {
    if (chosen != null) {
      return parse(chosen);
    }
    return retrieval ? recall(cutoffs.get(0)) : AUC;
  }

  /** The metric's key in metrics.jsonl for a split: {@code val_recall@10}; {@code train_loss} for {@link #LOSS} on train. */
  public String key(SplitName split) {
    return prefix(split) + name;
  }

  private static String prefix(SplitName split) {
    return switch (split) {
      case TRAIN -> "train_";
      case VALIDATION -> "val_";
      case TEST -> "test_";
    };
  }

  /** Whether larger values are better. */
  public boolean maximised() {
    return direction == Direction.MAXIMISE;
  }

  /** Whether {@code a} is strictly better than {@code b}; NaN is worse than anything. */
  public boolean better(double a, double b) {
    if (Double.isNaN(a)) {
      return false;
    }
    if (Double.isNaN(b)) {
      return true;
    }
    return maximised() ? a > b : a < b;
  }

  /**
   * Whether {@code value} improves on {@code best} by more than {@code minDelta} (early stopping's test). Anything
   * improves on a NaN best (no epoch scored yet); a NaN value improves on nothing else.
   */
  public boolean improves(double value, double best, double minDelta) {
    return Double.isNaN(best) || (maximised() ? value > best + minDelta : value < best - minDelta);
  }

  @Override
  public String toString() {
    return name;
  }
}
