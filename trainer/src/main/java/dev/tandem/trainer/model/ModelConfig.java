package dev.tandem.trainer.model;

import dev.tandem.config.Check;
import dev.tandem.config.ConfigEnum;
import java.util.List;

/**
 * The {@code model} section of a job.
 *
 * @param type          two_tower (retrieval) or ranking
 * @param embeddingDim  width of every categorical feature's embedding
 * @param hidden        hidden layer widths: of each tower (two-tower) or of the deep part (ranking)
 * @param outputDim     two-tower: width of the L2-normalised user and item vectors
 * @param temperature   two-tower: softmax temperature of the in-batch softmax
 * @param logqCorrection two-tower: subtract log(sampling probability) of each in-batch item (Yi et al. 2019)
 * @param removeAccidentalHits two-tower: ignore in-batch negatives that are the positive item itself
 * @param architecture  ranking: dcn (DCN-v2 cross layers + deep MLP), dlrm (pairwise dot interactions + MLP),
 *                      wide_deep, or logistic (the logistic-regression baseline)
 * @param crossLayers   ranking/dcn: number of cross layers
 * @param dropout       dropout rate on hidden layers (0 = none)
 * @param userFeatures  features of the user (query) tower / ranking input; default: every user and context feature
 * @param itemFeatures  features of the item tower; default: every item feature
 * @param ordinal       ranking: also learn every other threshold of the label's source column (e.g. rating >= 2, 3,
 *                      4, 5 when the label is rating >= 4), one sigmoid output each; predictions use the label's own
 *                      threshold. More of the recorded outcome reaches the model than the binary label carries.
 * @param featureDropout per feature, the probability of replacing its value by "unknown" during training (e.g.
 *                      {@code user_id: 0.2}) so the model learns to serve users and items it has not seen
 */
public record ModelConfig(
    Type type,
    Integer embeddingDim,
    List<Integer> hidden,
    Integer outputDim,
    Double temperature,
    Boolean logqCorrection,
    Boolean removeAccidentalHits,
    Architecture architecture,
    Integer crossLayers,
    Double dropout,
    List<String> userFeatures,
    List<String> itemFeatures,
    java.util.Map<String, Double> featureDropout,
    Boolean ordinal) {

  public ModelConfig {
    Check.required(type, "type");
    embeddingDim = Check.orDefault(embeddingDim, 16);
    Check.positive(embeddingDim, "embedding_dim");
    hidden = hidden == null ? List.of(64) : List.copyOf(hidden);
    for (int i = 0; i < hidden.size(); i++) {
      Check.that(hidden.get(i) != null && hidden.get(i) > 0, "hidden[" + i + "]", "must be > 0");
    }
    dropout = Check.orDefault(dropout, 0.0);
    Check.inRange(dropout, 0.0, 0.9, "dropout");
    if (type == Type.TWO_TOWER) {
      outputDim = Check.orDefault(outputDim, 32);
      Check.positive(outputDim, "output_dim");
      temperature = Check.orDefault(temperature, 0.2);
      Check.positive(temperature, "temperature");
      logqCorrection = Check.orDefault(logqCorrection, true);
      removeAccidentalHits = Check.orDefault(removeAccidentalHits, true);
      Check.that(architecture == null, "architecture", "only ranking models have an architecture");
      Check.that(crossLayers == null, "cross_layers", "only ranking models (dcn) have cross layers");
      Check.that(ordinal == null || !ordinal, "ordinal", "only ranking models have ordinal targets");
      ordinal = false;
    } else {
      architecture = Check.orDefault(architecture, Architecture.DCN);
      crossLayers = Check.orDefault(crossLayers, 2);
      Check.nonNegative(crossLayers, "cross_layers");
      Check.that(outputDim == null, "output_dim", "only two-tower models have an output_dim");
      Check.that(temperature == null, "temperature", "only two-tower models have a temperature");
      Check.that(logqCorrection == null, "logq_correction", "only two-tower models use the logQ correction");
      Check.that(removeAccidentalHits == null, "remove_accidental_hits", "only two-tower models sample in-batch negatives");
      Check.that(itemFeatures == null, "item_features", "ranking models take one feature list: user_features (all inputs)");
      ordinal = Check.orDefault(ordinal, false);
    }
    featureDropout = featureDropout == null ? java.util.Map.of() : java.util.Map.copyOf(featureDropout);
    for (java.util.Map.Entry<String, Double> e : featureDropout.entrySet()) {
      Check.that(e.getValue() != null && e.getValue() >= 0 && e.getValue() < 1, "feature_dropout." + e.getKey(), "must be in [0, 1)");
    }
    userFeatures = userFeatures == null ? null : List.copyOf(userFeatures);
    itemFeatures = itemFeatures == null ? null : List.copyOf(itemFeatures);
  }

  /** Model families. */
  public enum Type implements ConfigEnum {
    TWO_TOWER, RANKING
  }

  /** Ranking architectures. */
  public enum Architecture implements ConfigEnum {
    DCN, DLRM, WIDE_DEEP, LOGISTIC
  }

  /** The logistic-regression baseline on the same encoded features. */
  public static ModelConfig logisticBaseline() {
    return new ModelConfig(Type.RANKING, 1, List.of(), null, null, null, null, Architecture.LOGISTIC, 0, 0.0, null, null, null, false);
  }
}
