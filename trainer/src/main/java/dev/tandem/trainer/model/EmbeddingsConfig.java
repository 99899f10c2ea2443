package dev.tandem.trainer.model;

import static dev.tandem.config.Check.orDefault;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tandem.config.Check;
import dev.tandem.config.ConfigEnum;
import dev.tandem.trainer.embedding.RowOptimizer;
import dev.tandem.trainer.embedding.TableSpec;

/**
 * The {@code model.embeddings} section: where the embedding tables live and, beside the network, how they admit,
 * evict and update rows.
 *
 * @param store       {@code in_network} (default: the tables are part of DL4J's parameters, every row is updated at
 *                    every step) or {@code in_process} (one table per input group in an embedding store beside the
 *                    network: only a batch's rows are read and updated) or {@code sharded} (the same tables split over
 *                    parameter-server shards, {@code cluster.parameter_server})
 * @param optimizer   the store's row-wise optimizer: {@code sgd}, {@code adagrad}, {@code rowwise_adagrad} or
 *                    {@code lazy_adam}; default: the one {@code train.optimizer} names (adam: lazy_adam)
 * @param admitAfter  an id gets a row once seen this many times in training (1: at once); before that it reads as
 *                    zeros and its gradients are dropped
 * @param capacity    at most this many rows per table (0: unbounded); a full table evicts a row to admit an id
 * @param eviction    which row a full table gives up: {@code lru} or {@code lfu}
 * @param maxAge      rows unused for more than this many steps are evicted (0: never)
 * @param sketchWidth counters per row of the admission sketch (4 rows; a power of two)
 */
public record EmbeddingsConfig(Store store, RowOptimizer.Kind optimizer, int admitAfter, long capacity, TableSpec.Eviction eviction,
    long maxAge, int sketchWidth) {

  /** Where the tables live. */
  public enum Store implements ConfigEnum {
    IN_NETWORK, IN_PROCESS, SHARDED
  }

  /** Tables inside the network, as before there was a choice. */
  public static final EmbeddingsConfig IN_NETWORK = of(null, null, null, null, null, null, null);

  /** The section as a job writes it, with every key it leaves out at its default. */
  @JsonCreator
  public static EmbeddingsConfig of(@JsonProperty("store") Store store, @JsonProperty("optimizer") RowOptimizer.Kind optimizer,
      @JsonProperty("admit_after") Integer admitAfter, @JsonProperty("capacity") Long capacity,
      @JsonProperty("eviction") TableSpec.Eviction eviction, @JsonProperty("max_age") Long maxAge,
      @JsonProperty("sketch_width") Integer sketchWidth) {
    return new EmbeddingsConfig(orDefault(store, Store.IN_NETWORK), optimizer, orDefault(admitAfter, 1), orDefault(capacity, 0L),
        orDefault(eviction, TableSpec.Eviction.LRU), orDefault(maxAge, 0L), orDefault(sketchWidth, 1 << 18));
  }

  public EmbeddingsConfig {
    Check.required(store, "store");
    Check.positive(admitAfter, "admit_after");
    Check.that(capacity >= 0, "capacity", "must be >= 0 (0: unbounded)");
    Check.required(eviction, "eviction");
    Check.that(maxAge >= 0, "max_age", "must be >= 0 (0: never)");
    Check.that(sketchWidth >= 16 && Integer.bitCount(sketchWidth) == 1, "sketch_width", "must be a power of two >= 16");
    if (store == Store.IN_NETWORK) {
      boolean defaults = optimizer == null && admitAfter == 1 && capacity == 0 && maxAge == 0;
      Check.that(defaults, "store", "optimizer, admit_after, capacity and max_age apply to tables beside the network: set store: in_process");
    }
  }

  /** Whether the tables live beside the network. */
  @JsonIgnore
  public boolean beside() {
    return store != Store.IN_NETWORK;
  }
}
