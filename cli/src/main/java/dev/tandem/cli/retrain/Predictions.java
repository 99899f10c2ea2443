package dev.tandem.cli.retrain;

import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.trainer.checkpoint.Checkpoint;
import dev.tandem.trainer.eval.ModelEvaluator;
import dev.tandem.trainer.model.Examples;
import dev.tandem.trainer.model.RankingModel;
import dev.tandem.trainer.model.RecommenderModel;

/** A ranking checkpoint's predictions for the events of a split. */
public final class Predictions {
  private Predictions() {}

  /**
   * The checkpoint's predicted probability for every event of {@code split}, in the split's order. Throws
   * {@link IllegalArgumentException} for a two-tower checkpoint, or when the dataset was encoded with another feature
   * transform than the checkpoint's (its ids would mean other users and items).
   */
  public static float[] of(Checkpoint c, PreparedDataset ds, SplitName split) {
    return of(c, ds, ds.read(split));
  }

  /** The checkpoint's predictions for {@code events} of {@code ds}. */
  public static float[] of(Checkpoint c, PreparedDataset ds, EventBatch events) {
    if (c.spec().isTwoTower()) {
      throw new IllegalArgumentException("checkpoint " + c.id() + " is a two-tower model: score drift and the retrain gate take a ranking model");
    }
    if (!c.transform().equals(ds.transform())) {
      throw new IllegalArgumentException("checkpoint " + c.id() + " was trained with another feature transform than the one of " + ds.dir()
          + ": it cannot score that dataset's events");
    }
    RankingModel m = (RankingModel) RecommenderModel.wrap(c.spec(), c.graph(), null);
    return ModelEvaluator.predictAll(m, Examples.of(ds, events), 4096);
  }
}
