package dev.tandem.datasets;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a feature describes: the user (query side), the item (candidate side), or the event's context. */
public enum Entity {
  USER, ITEM, CONTEXT;

  @JsonValue
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Entity of(String s) {
    return dev.tandem.config.Check.enumOf(values(), s);
  }

  @Override
  public String toString() {
    return key();
  }
}
