package dev.tandem.datasets;

import dev.tandem.config.ConfigEnum;

/** What a feature describes: the user (query side), the item (candidate side), or the event's context. */
public enum Entity implements ConfigEnum {
  USER, ITEM, CONTEXT;

  @Override
  public String toString() {
    return key();
  }
}
