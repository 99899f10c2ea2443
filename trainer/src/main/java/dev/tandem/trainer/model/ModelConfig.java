package dev.tandem.trainer.model;

import static dev.tandem.config.Check.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tandem.config.Check;
import dev.tandem.config.ConfigEnum;
import java.util.List;
import java.util.Map;

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
 * @param historyPooling how history_items lists enter the model: {@code mean} (the mean of the items' embeddings) or,
 *                      for ranking, {@code attention} (weighted by each item's similarity to the candidate, DIN-style;
 *                      see {@link HistoryAttentionVertex})
 * @param historyDropout probability, per training example, of hiding the user's history (as at their first event) so
 *                      the model learns to serve users whose history begins after training (default 0)
 * @param featureDropout per feature, the probability of replacing its value by "unknown" during training (e.g.
 *                      {@code user_id: 0.2}) so the model learns to serve users and items it has not seen
 * @param embeddings    where the embedding tables live (inside the network by default, or in a store beside it)
 */
public record ModelConfig(
    Type type,
    int embeddingDim,
    List<Integer> hidden,
    Integer outputDim,
    Double temperature,
    Boolean logqCorrection,
    Boolean removeAccidentalHits,
    Architecture architecture,
    Integer crossLayers,
    double dropout,
    List<String> userFeatures,
    List<String> itemFeatures,
    Map<String, Double> featureDropout,
    boolean ordinal,
    HistoryPooling historyPooling,
    double historyDropout,
    EmbeddingsConfig embeddings) {

  /**
   * The model section as a job writes it, with every key it leaves out (null) at its default: the one place the defaults
   * are written (README's job reference lists them). The keys of one model family get their defaults only for that
   * family (a ranking model has no output_dim, a two-tower no architecture); {@code user_features} and
   * {@code item_features} left out mean every feature of their side.
   */
  @JsonCreator
  public static ModelConfig of(
      @JsonProperty("type") Type type,
      @JsonProperty("embedding_dim") Integer embeddingDim,
      @JsonProperty("hidden") List<Integer> hidden,
      @JsonProperty("output_dim") Integer outputDim,
      @JsonProperty("temperature") Double temperature,
      @JsonProperty("logq_correction") Boolean logqCorrection,
      @JsonProperty("remove_accidental_hits") Boolean removeAccidentalHits,
      @JsonProperty("architecture") Architecture architecture,
      @JsonProperty("cross_layers") Integer crossLayers,
      @JsonProperty("dropout") Double dropout,
      @JsonProperty("user_features") List<String> userFeatures,
      @JsonProperty("item_features") List<String> itemFeatures,
      @JsonProperty("feature_dropout") Map<String, Double> featureDropout,
      @JsonProperty("ordinal") Boolean ordinal,
      @JsonProperty("history_pooling") HistoryPooling historyPooling,
      @JsonProperty("history_dropout") Double historyDropout,
      @JsonProperty("embeddings") EmbeddingsConfig embeddings) {
    if (type == Type.TWO_TOWER) {
      outputDim = orDefault(outputDim, 32);
      temperature = orDefault(temperature, 0.2);
      logqCorrection = orDefault(logqCorrection, true);
      removeAccidentalHits = orDefault(removeAccidentalHits, true);
    } else if (type == Type.RANKING) {
      architecture = orDefault(architecture, Architecture.DCN);
      crossLayers = orDefault(crossLayers, 2);
    }
    return new ModelConfig(type, orDefault(embeddingDim, 16), orDefault(hidden, List.of(64)), outputDim, temperature, logqCorrection,
        removeAccidentalHits, architecture, crossLayers, orDefault(dropout, 0.0), userFeatures, itemFeatures, orDefault(featureDropout, Map.of()),
        orDefault(ordinal, false), orDefault(historyPooling, HistoryPooling.MEAN), orDefault(historyDropout, 0.0),
        orDefault(embeddings, EmbeddingsConfig.IN_NETWORK));
  }

  public ModelConfig {
    Check.required(type, "type");
    Check.positive(embeddingDim, "embedding_dim");
    hidden = List.copyOf(Check.required(hidden, "hidden"));
    for (int i = 0; i < hidden.size(); i++) {
      Check.that(hidden.get(i) != null && hidden.get(i) > 0, "hidden[" + i + "]", "must be > 0");
    }
    Check.inRange(dropout, 0.0, 0.9, "dropout");
    if (type == Type.TWO_TOWER) {
      Check.positive(Check.required(outputDim, "output_dim"), "output_dim");
      Check.positive(Check.required(temperature, "temperature"), "temperature");
      Check.required(logqCorrection, "logq_correction");
      Check.required(removeAccidentalHits, "remove_accidental_hits");
      Check.that(architecture == null, "architecture", "only ranking models have an architecture");
      Check.that(crossLayers == null, "cross_layers", "only ranking models (dcn) have cross layers");
      Check.that(!ordinal, "ordinal", "only ranking models have ordinal targets");
      Check.that(historyPooling != HistoryPooling.ATTENTION, "history_pooling",
          "attention weighs the history by the candidate item, which the two-tower's user tower does not know: use mean, or a ranking model");
    } else {
      Check.required(architecture, "architecture");
      Check.nonNegative(Check.required(crossLayers, "cross_layers"), "cross_layers");
      Check.that(outputDim == null, "output_dim", "only two-tower models have an output_dim");
      Check.that(temperature == null, "temperature", "only two-tower models have a temperature");
      Check.that(logqCorrection == null, "logq_correction", "only two-tower models use the logQ correction");
      Check.that(removeAccidentalHits == null, "remove_accidental_hits", "only two-tower models sample in-batch negatives");
      Check.that(itemFeatures == null, "item_features", "ranking models take one feature list: user_features (all inputs)");
      Check.that(historyPooling != HistoryPooling.ATTENTION || architecture == Architecture.DCN, "history_pooling",
          "attention is built for the dcn architecture, not " + architecture.key());
    }
    Check.required(historyPooling, "history_pooling");
    Check.that(historyDropout >= 0 && historyDropout < 1, "history_dropout", "must be in [0, 1), was " + historyDropout);
    featureDropout = Map.copyOf(Check.required(featureDropout, "feature_dropout"));
    for (Map.Entry<String, Double> e : featureDropout.entrySet()) {
      Check.that(e.getValue() != null && e.getValue() >= 0 && e.getValue() < 1, "feature_dropout." + e.getKey(), "must be in [0, 1)");
    }
    Check.required(embeddings, "embeddings");
    if (embeddings.beside()) {
      Check.that(type == Type.TWO_TOWER || architecture == Architecture.DCN, "embeddings.store",
          "tables beside the network serve two_tower and ranking dcn models (the others embed the same ids twice or as a sequence)");
    }
    userFeatures = userFeatures == null ? null : List.copyOf(userFeatures);
    itemFeatures = itemFeatures == null ? null : List.copyOf(itemFeatures);
  }

  /** Model families. */
  public enum Type implements ConfigEnum {
    TWO_TOWER, RANKING
  }

  /** How a list of earlier items is pooled into one input. */
  public enum HistoryPooling implements ConfigEnum {
    MEAN, ATTENTION
  }

  /** Ranking architectures. */
  public enum Architecture implements ConfigEnum {
    DCN, DLRM, WIDE_DEEP, LOGISTIC
  }

  /** The same model with its tables at {@code embeddings}. */
  public ModelConfig withEmbeddings(EmbeddingsConfig embeddings) {
    return new ModelConfig(type, embeddingDim, hidden, outputDim, temperature, logqCorrection, removeAccidentalHits, architecture,
        crossLayers, dropout, userFeatures, itemFeatures, featureDropout, ordinal, historyPooling, historyDropout, embeddings);
  }

  /** The logistic-regression baseline on the same encoded features. */
  public static ModelConfig logisticBaseline() {
    return of(Type.RANKING, 1, List.of(), null, null, null, null, Architecture.LOGISTIC, 0, null, null, null, null, null, null, null, null);
  }
}
