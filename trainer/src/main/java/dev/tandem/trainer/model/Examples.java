package dev.tandem.trainer.model;

import dev.tandem.datasets.Entity;
import dev.tandem.datasets.EventBatch;
import dev.tandem.datasets.PreparedDataset;
import dev.tandem.datasets.features.EncodedColumn;
import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.FittedFeature;

/**
 * Examples a model trains or is evaluated on, with access to every feature they need: the events of a split (or
 * just its positives, for retrieval) plus the encoded user and item tables they point into.
 */
public final class Examples {
  private final EventBatch events;
  private final EncodedTable users;
  private final EncodedTable items;
  private final FeatureTransform transform;

  public Examples(EventBatch events, EncodedTable users, EncodedTable items, FeatureTransform transform) {
    this.events = events;
    this.users = users;
    this.items = items;
    this.transform = transform;
  }

  /** The examples of some events of a prepared dataset, with its encoded user and item tables. */
  public static Examples of(PreparedDataset ds, EventBatch events) {
    return new Examples(events, ds.users().encoded(), ds.items().encoded(), ds.transform());
  }

  /** Only the positive events (label 1): what a retrieval model learns from. */
  public Examples positives() {
    int n = 0;
    for (float l : events.label()) {
      if (l > 0) {
        n++;
      }
    }
    int[] rows = new int[n];
    int k = 0;
    for (int i = 0; i < events.size(); i++) {
      if (events.label()[i] > 0) {
        rows[k++] = i;
      }
    }
    return new Examples(events.select(rows), users, items, transform);
  }

  /** How many examples. */
  public int size() {
    return events.size();
  }

  /** The examples' events. */
  public EventBatch events() {
    return events;
  }

  /** Every known user, encoded. */
  public EncodedTable users() {
    return users;
  }

  /** Every item, encoded. */
  public EncodedTable items() {
    return items;
  }

  /** The feature transform the tables were encoded with. */
  public FeatureTransform transform() {
    return transform;
  }

  /** Feature rows of the examples at {@code idx}. */
  public InputGroup.RowSource rows(int[] idx) {
    int[] u = new int[idx.length];
    int[] it = new int[idx.length];
    for (int i = 0; i < idx.length; i++) {
      u[i] = events.user()[idx[i]];
      it[i] = events.item()[idx[i]];
    }
    return new InputGroup.RowSource() {
      @Override
      public EncodedColumn column(String feature) {
        return switch (entity(feature)) {
          case USER -> users.column(feature);
          case ITEM -> items.column(feature);
          case CONTEXT -> events.context().column(feature);
        };
      }

      @Override
      public int[] rows(String feature) {
        return switch (entity(feature)) {
          case USER -> u;
          case ITEM -> it;
          case CONTEXT -> idx;
        };
      }
    };
  }

  private Entity entity(String feature) {
    return transform.feature(feature).entity();
  }

  /**
   * Feature rows for entities outside any event: the given user (or item) rows, with context features missing (a
   * query without context, as in offline evaluation).
   */
  public static InputGroup.RowSource entityRows(FeatureTransform transform, EncodedTable table, Entity entity, int[] rows) {
    return entityRows(transform, table, entity, rows, null, 0);
  }

  /**
   * Feature rows for entities outside any event, with some context features known: {@code context} holds them (history
   * features as of the query's time, for instance), its row {@code contextFrom + i} for {@code rows[i]}; context features
   * it lacks are missing.
   */
  public static InputGroup.RowSource entityRows(FeatureTransform transform, EncodedTable table, Entity entity, int[] rows,
      EncodedTable context, int contextFrom) {
    int[] zeros = new int[rows.length];
    int[] contextRows = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      contextRows[i] = contextFrom + i;
    }
    return new InputGroup.RowSource() {
      @Override
      public EncodedColumn column(String feature) {
        FittedFeature f = transform.feature(feature);
        if (f.entity() == entity) {
          return table.column(feature);
        }
        if (context != null && context.columns().containsKey(feature)) {
          return context.column(feature);
        }
        return missing(f);
      }

      @Override
      public int[] rows(String feature) {
        if (transform.feature(feature).entity() == entity) {
          return rows;
        }
        return context != null && context.columns().containsKey(feature) ? contextRows : zeros;
      }
    };
  }

  /** A one-row column holding the encoding of a missing value. */
  public static EncodedColumn missing(FittedFeature f) {
    if (f instanceof FittedFeature.Standardized) {
      return new EncodedColumn.Real(f.name(), new float[1]);
    }
    if (f instanceof FittedFeature.MultiHot || f instanceof FittedFeature.ItemSequence) {
      return new EncodedColumn.MultiIndex(f.name(), f.cardinality(), new int[2], new int[0]);
    }
    return new EncodedColumn.Index(f.name(), f.cardinality(), new int[1]);
  }
}
