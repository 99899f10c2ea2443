package dev.tandem.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.fs.CorruptDataException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PersistedTest {
  record Thing(String name, int count, List<String> tags) {}

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void writesTheFormatFirstAndReadsBack() {
    byte[] bytes = Persisted.write(new Thing("a", 2, List.of("x")), 3);
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertThat(text.replaceAll("\\s", "")).startsWith("{\"format\":3,\"name\":\"a\"");
    assertThat(Persisted.read(bytes, Thing.class, 3, "thing.json")).isEqualTo(new Thing("a", 2, List.of("x")));
  }

  @Test
  void fieldsAddedByANewerVersionAreIgnored() {
    Thing t = Persisted.read(json("{\"format\": 1, \"name\": \"a\", \"count\": 2, \"tags\": [], \"later\": {\"x\": [1, 2]}}"),
        Thing.class, 1, "thing.json");
    assertThat(t).isEqualTo(new Thing("a", 2, List.of()));
  }

  @Test
  void aFileWithoutFormatIsVersionOne() {
    assertThat(Persisted.read(json("{\"name\": \"a\", \"count\": 1}"), Thing.class, 1, "old.json").name()).isEqualTo("a");
  }

  @Test
  void aNewerFormatIsRefusedNamingTheFile() {
    assertThatThrownBy(() -> Persisted.read(json("{\"format\": 2, \"name\": \"a\"}"), Thing.class, 1, "/runs/r1/run.json"))
        .isInstanceOf(UnsupportedFormatException.class)
        .hasMessageContaining("/runs/r1/run.json")
        .hasMessageContaining("format 2 was written by a newer Tandem");
  }

  @Test
  void brokenFilesAreCorruptAndNamed() {
    assertThatThrownBy(() -> Persisted.read(json("{\"name\": "), Thing.class, 1, "x.json"))
        .isInstanceOf(CorruptDataException.class).hasMessageStartingWith("x.json: not valid JSON");
    assertThatThrownBy(() -> Persisted.read(json("[1, 2]"), Thing.class, 1, "x.json"))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> Persisted.read(json("{\"format\": \"two\"}"), Thing.class, 1, "x.json"))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("'format' must be a whole number");
    assertThatThrownBy(() -> Persisted.read(json("{\"count\": \"many\"}"), Thing.class, 1, "x.json"))
        .isInstanceOf(CorruptDataException.class).hasMessageContaining("does not read as Thing");
  }
}
