package dev.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.format.Persisted;
import dev.tandem.fs.CorruptDataException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A {@link ConfigEnum} needs no annotations: both mappers write its key and read it leniently, naming the key on error. */
class ConfigEnumModuleTest {
  enum Shape implements ConfigEnum {
    ROUND, WIDE_FLAT
  }

  record Section(Shape shape, Integer size) {
    Section {
      shape = Check.orDefault(shape, Shape.ROUND);
    }
  }

  record Job(Section section) {}

  private static Job parse(String yaml) {
    return ConfigLoader.parse(yaml, null, ".", Job.class, List.of()).value();
  }

  @Test
  void readsAnyCaseWithDashesOrAmpersandsAndDefaultsWhenAbsent() {
    assertThat(parse("section: {shape: Wide-Flat}").section().shape()).isEqualTo(Shape.WIDE_FLAT);
    assertThat(parse("section: {shape: 'wide&flat'}").section().shape()).isEqualTo(Shape.WIDE_FLAT);
    assertThat(parse("section: {shape: ROUND}").section().shape()).isEqualTo(Shape.ROUND);
    assertThat(parse("section: {size: 1}").section().shape()).isEqualTo(Shape.ROUND);
    assertThat(parse("section: {shape: null}").section().shape()).isEqualTo(Shape.ROUND);
  }

  @Test
  void aWrongValueNamesTheKeyAndListsTheChoices() {
    assertThatThrownBy(() -> parse("section: {shape: square}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("section.shape: 'square' is not one of [round, wide_flat]");
    assertThatThrownBy(() -> parse("section: {shape: 3}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("section.shape: '3' is not one of [round, wide_flat]");
    assertThatThrownBy(() -> parse("section: {shape: [round]}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("section.shape: wrong type");
  }

  @Test
  void persistedFilesCarryTheKeyAndReadBack() throws Exception {
    byte[] bytes = Persisted.write(new Section(Shape.WIDE_FLAT, 2), 1);
    assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"shape\" : \"wide_flat\"");
    assertThat(Persisted.read(bytes, Section.class, 1, "section.json")).isEqualTo(new Section(Shape.WIDE_FLAT, 2));
    assertThat(ConfigLoader.yaml().writeValueAsString(new Section(Shape.ROUND, null))).contains("shape: round");
    assertThatThrownBy(() -> Persisted.read("{\"shape\": \"oval\"}".getBytes(StandardCharsets.UTF_8), Section.class, 1, "section.json"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("section.json")
        .hasMessageContaining("'oval' is not one of [round, wide_flat]");
  }
}
