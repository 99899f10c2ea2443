package dev.tandem.datasets.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.datasets.text.BadRows;
import dev.tandem.datasets.text.RowError;
import dev.tandem.progress.Progress;
import dev.tandem.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log is cut into chunks at line breaks without regard to quotes and the chunks are parsed in parallel; a quoted
 * field running over a line break must still be one bad row wherever the chunk boundaries fall.
 */
class ChunkBoundaryTest {
  @TempDir
  Path dir;

  private static final String LOG = String.join("\n",
      "user,item,rating,ts",                          // 1
      "u1,i1,4,1600000001",                           // 2
      "u2,\"an item\nover two lines\",4,1600000002",   // 3-4: one bad row
      "u3,i3,5,1600000003",                           // 5
      "",                                             // 6: blank
      "u4,\"three\nlines\nlong\",3,1600000004\r",      // 7-9: one bad row, CRLF at its end
      "\"u5,i5,4,1600000005",                         // 10: a stray quote
      "\"u,6\",i6,4,1600000006",                      // 11: fine (the stray quote must not swallow it)
      "u7,\"i\"\"7\",4,1600000007",                   // 12: fine, an escaped quote
      "u8,\"open\nu9,i9,4,1600000009",                // 13: a quote closing nowhere; 14 fine
      "u10,i10,4,1600000010",                         // 15
      "u11,\"x\ny\",4,1600000011,extra",              // 16-17: closes, but with 5 fields: 16 alone is bad; 17 splits into 4 fields, "extra" is no time
      "u12,i12,4,1600000012") + "\n";                 // 18

  private record Outcome(List<String> rows, List<String> errors, long rowsRead) {}

  private Outcome read(int chunkBytes, int threads) throws Exception {
    TestData.write(dir, "log.csv", LOG);
    TextTable table = new TextTable("log.csv", null, true, null, null);
    EventLogReader reader = new EventLogReader(table, dir.toString(), threads, "dataset.source.events", false, chunkBytes);
    EventLogReader.Plan plan = new EventLogReader.Plan(0, 1, 3, new Timestamps.Decision("unix_seconds", "test"),
        0, Long.MAX_VALUE, Map.of("rating", 2), Map.of(), Set.of("rating"), Set.of());
    BadRows bad = new BadRows(1000);
    EventLogReader.Result r = reader.read(plan, bad, Progress.NONE);
    RawEvents ev = r.events();
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < ev.size(); i++) {
      rows.add(ev.userIds()[ev.user()[i]] + "/" + ev.itemIds()[ev.item()[i]] + "/" + ev.timestamp()[i]);
    }
    List<String> errors = new ArrayList<>();
    for (RowError e : bad.sample()) {
      errors.add(e.line() + ":" + e.reason().key());
    }
    return new Outcome(rows, errors, r.rowsRead());
  }

  @Test
  void recordsAreTheSameWhereverChunksEnd() throws Exception {
    Outcome whole = read(1 << 20, 3);
    assertThat(whole.errors).containsExactly("3:multiline_field", "7:multiline_field", "10:unterminated_quote",
        "13:unterminated_quote", "16:unterminated_quote", "17:bad_timestamp");
    assertThat(whole.rows).containsExactly("u1/i1/1600000001", "u3/i3/1600000003", "u,6/i6/1600000006", "u7/i\"7/1600000007",
        "u9/i9/1600000009", "u10/i10/1600000010", "u12/i12/1600000012");
    assertThat(whole.rowsRead).isEqualTo(13);
    for (int chunk = 4; chunk <= LOG.length() + 1; chunk++) {
      for (int threads : new int[] {1, 3}) {
        assertThat(read(chunk, threads)).as("chunks of %d bytes, %d threads", chunk, threads).isEqualTo(whole);
      }
    }
  }

  private Outcome readSideTable(int chunkBytes) throws Exception {
    TestData.write(dir, "items.csv", LOG);
    TextTable table = new TextTable("items.csv", null, true, null, null);
    SideTableReader reader = new SideTableReader(table, "item", dir.toString(), "dataset.source.items", null, null, false, chunkBytes);
    BadRows bad = new BadRows(1000);
    SideTableReader.Result r = reader.read(List.of("user", "ts"), Set.of(), bad);
    List<String> rows = new ArrayList<>();
    r.data().rows().forEach((k, v) -> rows.add(k + "/" + String.join("/", v)));
    rows.sort(null);
    List<String> errors = new ArrayList<>();
    for (RowError e : bad.sample()) {
      errors.add(e.line() + ":" + e.reason().key());
    }
    return new Outcome(rows, errors, r.rowsRead());
  }

  @Test
  void sideTableRecordsAreTheSameWhereverChunksEnd() throws Exception {
    Outcome whole = readSideTable(1 << 20);
    assertThat(whole.errors).containsExactly("3:multiline_field", "7:multiline_field", "10:unterminated_quote",
        "13:unterminated_quote", "16:unterminated_quote");
    assertThat(whole.rows).hasSize(8).contains("i1/u1/1600000001", "i6/u,6/1600000006", "4/y\"/extra");
    for (int chunk = 4; chunk <= LOG.length() + 1; chunk++) {
      assertThat(readSideTable(chunk)).as("chunks of %d bytes", chunk).isEqualTo(whole);
    }
  }
}
