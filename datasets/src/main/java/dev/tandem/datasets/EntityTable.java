package dev.tandem.datasets;

import dev.tandem.datasets.features.EncodedTable;
import dev.tandem.datasets.features.FeatureTransform;
import dev.tandem.datasets.features.RawColumn;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * All known users (or items) of a dataset: their raw ids in canonical order, their raw attributes, and those attributes
 * encoded by the dataset's {@link FeatureTransform}. Row numbers are what events refer to.
 */
public final class EntityTable {
  private final Entity entity;
  private final String[] ids;
  private final Map<String, String[]> raw;
  private final EncodedTable encoded;
  private final Map<String, Integer> rowById;

  public EntityTable(Entity entity, String[] ids, Map<String, String[]> raw, FeatureTransform transform) {
    this.entity = entity;
    this.ids = ids;
    this.raw = Map.copyOf(raw);
    this.encoded = transform.encode(entity, ids.length, src -> column(src));
    this.rowById = new HashMap<>(ids.length * 2);
    for (int i = 0; i < ids.length; i++) {
      rowById.put(ids[i], i);
    }
  }

  private RawColumn column(String source) {
    String idColumn = entity == Entity.USER ? "user_id" : "item_id";
    if (source.equals(idColumn)) {
      return RawColumn.of(ids);
    }
    String[] v = raw.get(source);
    if (v == null) {
      throw new IllegalStateException("entity table " + entity + " has no raw column '" + source + "'");
    }
    return RawColumn.of(v);
  }

  public Entity entity() {
    return entity;
  }

  public int size() {
    return ids.length;
  }

  public String id(int row) {
    return ids[row];
  }

  public String[] ids() {
    return ids;
  }

  /** Row of a raw id, or -1 if unknown. */
  public int row(String id) {
    Integer r = rowById.get(id);
    return r == null ? -1 : r;
  }

  /** Raw attribute columns by source name (the id column is not included). */
  public Map<String, String[]> raw() {
    return raw;
  }

  /** Raw attributes of one row, keyed by source column (including the id column), for re-encoding or display. */
  public Map<String, String> attributes(int row) {
    Map<String, String> out = new HashMap<>();
    out.put(entity == Entity.USER ? "user_id" : "item_id", ids[row]);
    for (Map.Entry<String, String[]> e : raw.entrySet()) {
      if (e.getValue()[row] != null) {
        out.put(e.getKey(), e.getValue()[row]);
      }
    }
    return out;
  }

  public EncodedTable encoded() {
    return encoded;
  }

  public List<String> rawColumns() {
    return List.copyOf(raw.keySet());
  }
}
