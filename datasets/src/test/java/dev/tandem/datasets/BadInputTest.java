package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.datasets.text.BadInputException;
import dev.tandem.testing.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed input gives errors naming file and line, and nothing is dropped without being counted. */
class BadInputTest {
  @TempDir
  Path dir;

  private static final String CONFIG = """
      source:
        format: events
        events: {path: bad.csv}
        columns: {user_id: user, item_id: item, timestamp: ts, rating: rating}
      label: "rating >= 4"
      max_bad_rows: %d
      features:
        - {name: user_id, entity: user, kind: categorical}
      """;

  @BeforeEach
  void writeLog() throws Exception {
    StringBuilder sb = new StringBuilder("user,item,rating,ts\n");
    for (int i = 0; i < 20; i++) {
      sb.append("u").append(i % 3).append(",i").append(i).append(",").append(i % 5 + 1).append(",").append(1_600_000_000 + i).append('\n');
    }
    sb.append("u1,i1,4\n");                   // line 22: wrong column count
    sb.append("u1,i2,four,1600000100\n");     // line 23: unparsable number
    sb.append(",i3,4,1600000101\n");          // line 24: missing user id
    sb.append("u2,i4,4,yesterday\n");         // line 25: bad timestamp
    sb.append("u2,i5,,1600000102\n");         // line 26: label value missing
    sb.append("\"u3,i6,4,1600000103\n");      // line 27: unterminated quote
    sb.append("\"u,4\",i7,5,1600000104\n");   // line 28: fine: quoted id with a comma
    TestData.write(dir, "bad.csv", sb.toString());
  }

  @Test
  void firstBadRowFailsByDefaultNamingFileAndLine() {
    assertThatThrownBy(() -> Prepare.dataset(CONFIG.formatted(0), dir, dir.resolve("out").toString()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("bad.csv:22")
        .hasMessageContaining("wrong_column_count")
        .hasMessageContaining("expected 4 columns, found 3")
        .hasMessageContaining("max_bad_rows");
  }

  @Test
  void tooManyBadRowsFail() {
    assertThatThrownBy(() -> Prepare.dataset(CONFIG.formatted(3), dir, dir.resolve("out").toString()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("more than dataset.max_bad_rows=3")
        .hasMessageContaining("bad.csv:25");
  }

  @Test
  void toleratedBadRowsAreSkippedAndCountedByReason() {
    PreparedDataset ds = Prepare.dataset(CONFIG.formatted(10), dir, dir.resolve("out").toString());
    PrepareSummary s = ds.summary();
    assertThat(s.rowsRead()).isEqualTo(27);
    assertThat(s.rowsRejected()).isEqualTo(6);
    assertThat(s.rowsKept()).isEqualTo(21);
    assertThat(s.rowsKept() + s.rowsRejected()).isEqualTo(s.rowsRead());
    assertThat(s.splits().values().stream().mapToLong(Long::longValue).sum() + s.outsideSplits()).isEqualTo(s.rowsKept());
    assertThat(s.rejectedByReason()).containsEntry("wrong_column_count", 1L).containsEntry("unparsable_number", 1L)
        .containsEntry("missing_id", 1L).containsEntry("bad_timestamp", 1L).containsEntry("missing_value", 1L)
        .containsEntry("unterminated_quote", 1L);
    assertThat(s.rejectedSample()).hasSize(6);
    assertThat(s.rejectedSample().get(1)).contains("bad.csv:23").contains("'four' is not a number");
    assertThat(ds.users().row("u,4")).isGreaterThanOrEqualTo(0);
  }

  @Test
  void missingFilesAndUnknownColumnsAreNamed() throws Exception {
    assertThatThrownBy(() -> Prepare.dataset(CONFIG.formatted(0).replace("bad.csv", "nope.csv"), dir, dir.resolve("out").toString()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("dataset.source.events.path")
        .hasMessageContaining("nope.csv");
    TestData.write(dir, "good.csv", "user,item,rating,ts\nu,i,4,1600000001\n");
    assertThatThrownBy(() -> Prepare.dataset(CONFIG.formatted(0).replace("bad.csv", "good.csv").replace("rating >= 4", "stars >= 4"), dir, dir.resolve("out").toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dataset.label")
        .hasMessageContaining("'stars'");
    assertThatThrownBy(() -> Prepare.dataset(CONFIG.formatted(0).replace("bad.csv", "good.csv").replace("item_id: item", "item_id: product"), dir, dir.resolve("out").toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dataset.source.columns.item_id")
        .hasMessageContaining("'product'");
    assertThatThrownBy(() -> Prepare.dataset(CONFIG.formatted(0).replace("bad.csv", "good.csv") + "  - {name: color, entity: item, kind: categorical}\n", dir, dir.resolve("out").toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dataset.features[1].source")
        .hasMessageContaining("'color'");
  }

  @Test
  void badSideTableRowsAreCountedAndNamed() throws Exception {
    TestData.write(dir, "good.csv", "user,item,rating,ts\nu1,i,4,1600000001\nu2,i,3,1600000002\n");
    TestData.write(dir, "users.csv", "id,age\nu1,30\nu2,old\nu1,31\n");
    String cfg = CONFIG.formatted(5).replace("bad.csv", "good.csv")
        .replace("columns: {", "users: {path: users.csv, key: id}\n  columns: {")
        + "  - {name: age, entity: user, kind: numeric}\n";
    PreparedDataset ds = Prepare.dataset(cfg, dir, dir.resolve("out").toString());
    PrepareSummary s = ds.summary();
    assertThat(s.rowsRejected()).isZero();
    assertThat(s.sideTables().get("users").rowsRejected()).isEqualTo(2);
    assertThat(s.rejectedSample()).anySatisfy(e -> assertThat(e).contains("users.csv:3").contains("unparsable_number"));
    assertThat(s.rejectedSample()).anySatisfy(e -> assertThat(e).contains("users.csv:4").contains("duplicate_key"));
    assertThatThrownBy(() -> Prepare.dataset(cfg.replace("max_bad_rows: 5", "max_bad_rows: 0"), dir, dir.resolve("out2").toString()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("users.csv:3");
  }
}
