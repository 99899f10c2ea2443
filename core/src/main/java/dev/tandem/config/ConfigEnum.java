package dev.tandem.config;

import java.util.Locale;

/**
 * An enum whose constants configuration files and persisted files spell as their lower-case names ({@code two_tower},
 * {@code loguniform}). Implementing this interface is all such an enum needs: {@link ConfigEnumModule}, registered in
 * {@link ConfigLoader}'s and {@link dev.tandem.format.Persisted}'s mappers, writes {@link #key()} and reads a value with
 * {@link Check#enumOf} (any case, {@code -} or {@code &} for {@code _}; anything else is an error that lists the choices
 * and, from {@link ConfigLoader}, names the key).
 */
public interface ConfigEnum {
  /** The constant as configuration spells it: its name in lower case. */
  default String key() {
    return ((Enum<?>) this).name().toLowerCase(Locale.ROOT);
  }
}
