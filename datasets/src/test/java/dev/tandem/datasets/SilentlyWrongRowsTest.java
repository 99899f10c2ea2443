package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.config.ConfigException;
import dev.tandem.datasets.split.SplitName;
import dev.tandem.datasets.text.BadInputException;
import dev.tandem.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows that used to be kept although they were wrong (project issue 12): each is now a bad row, counted by reason
 * with its file and line, and {@code max_bad_rows} decides between skipping and failing.
 */
class SilentlyWrongRowsTest {
  @TempDir
  Path dir;

  private static final long T0 = 1_600_000_000L; // 2020-09-13, seconds

  private static final String CONFIG = """
      source:
        format: events
        events: {path: %s}
        columns: {user_id: user, item_id: item, timestamp: ts, rating: rating}
      label: "rating >= 4"
      max_bad_rows: %d
      features:
        - {name: user_id, entity: user, kind: categorical}
        - {name: item_id, entity: item, kind: categorical}
      """;

  /** {@code n} good rows (lines 2..n+1) at T0 + i minutes, in seconds or milliseconds. */
  private static StringBuilder goodRows(int n, boolean millis) {
    StringBuilder sb = new StringBuilder("user,item,rating,ts\n");
    for (int i = 0; i < n; i++) {
      long t = T0 + i * 60L;
      sb.append('u').append(i % 7).append(",i").append(i % 11).append(',').append(1 + i % 5).append(',')
          .append(millis ? t * 1000 : t).append('\n');
    }
    return sb;
  }

  private PreparedDataset prepare(String file, int maxBadRows) {
    return Prepare.dataset(CONFIG.formatted(file, maxBadRows), dir, dir.resolve("out").toString());
  }

  private static long[] allTimestamps(PreparedDataset ds) {
    long[] out = new long[0];
    for (SplitName s : SplitName.values()) {
      long[] t = ds.read(s).timestamp();
      long[] joined = Arrays.copyOf(out, out.length + t.length);
      System.arraycopy(t, 0, joined, out.length, t.length);
      out = joined;
    }
    return out;
  }

  // --- timestamps -------------------------------------------------------------------------------------------------

  @Test
  void autoTimestampUnitIsDecidedPerColumnSoADecimalMillisecondValueIsMillisecondsToo() throws Exception {
    StringBuilder sb = goodRows(40, true);
    sb.append("u1,i1,4,").append(T0 * 1000).append(".0\n"); // line 42: the same instant, written as a decimal
    TestData.write(dir, "ms.csv", sb.toString());
    PreparedDataset ds = prepare("ms.csv", 0);
    assertThat(ds.summary().rowsKept()).isEqualTo(41);
    PrepareSummary.TimestampSummary ts = ds.summary().timestamps();
    assertThat(ts.column()).isEqualTo("ts");
    assertThat(ts.configured()).isEqualTo("auto");
    assertThat(ts.readAs()).isEqualTo("unix_millis");
    assertThat(ts.decidedBy()).contains("median magnitude of the first 41 values").contains("ms.csv");
    assertThat(ts.validFrom()).isEqualTo("1990-01-01T00:00:00Z");
    assertThat(Arrays.stream(allTimestamps(ds)).max().orElseThrow()).isLessThanOrEqualTo(T0 + 40 * 60);
    assertThat(Arrays.stream(allTimestamps(ds)).min().orElseThrow()).isEqualTo(T0);
  }

  @Test
  void implausibleTimestampsAreBadRowsWithFileAndLine() throws Exception {
    StringBuilder sb = goodRows(40, false);
    sb.append("u1,i1,4,-1000\n");                      // line 42: 1969
    sb.append("u1,i2,4,99999999999\n");                // line 43: the year 5138
    sb.append("u1,i3,4,1577850000000.0\n");            // line 44: milliseconds in a column of seconds: the year 51970
    sb.append("u1,i4,4,99999999999999999999\n");       // line 45: beyond any long
    TestData.write(dir, "far.csv", sb.toString());
    PreparedDataset ds = prepare("far.csv", 10);
    PrepareSummary s = ds.summary();
    assertThat(s.rowsKept()).isEqualTo(40);
    assertThat(s.rejectedByReason()).containsExactly(java.util.Map.entry("bad_timestamp", 4L));
    for (int line = 42; line <= 45; line++) {
      String where = "far.csv:" + line + ":";
      assertThat(s.rejectedSample()).anySatisfy(e -> assertThat(e).contains(where).contains("bad_timestamp"));
    }
    assertThatThrownBy(() -> prepare("far.csv", 0))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("far.csv:42")
        .hasMessageContaining("bad_timestamp");
  }

  @Test
  void aTimestampBeyondAnyLongIsABadRowNotACrashAfterTheShards() throws Exception {
    StringBuilder sb = goodRows(40, false);
    sb.append("u1,i4,4,99999999999999999999\n"); // line 42
    TestData.write(dir, "huge.csv", sb.toString());
    assertThatThrownBy(() -> prepare("huge.csv", 0))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("huge.csv:42")
        .hasMessageContaining("bad_timestamp")
        .hasMessageContaining("after any representable time");
    assertThat(prepare("huge.csv", 1).summary().rejectedByReason()).containsEntry("bad_timestamp", 1L);
  }

  @Test
  void theLatestPlausibleTimeIsADayAfterTheMomentOfPreparation() throws Exception {
    Clock now = Clock.fixed(Instant.parse("2021-01-01T00:00:00Z"), ZoneOffset.UTC);
    StringBuilder sb = goodRows(40, false);
    sb.append("u1,i1,4,").append(seconds("2021-01-01T23:00:00Z")).append('\n'); // line 42: in time
    sb.append("u1,i2,4,").append(seconds("2021-01-02T01:00:00Z")).append('\n'); // line 43: from the future
    TestData.write(dir, "now.csv", sb.toString());
    PreparedDataset ds = Prepare.dataset(CONFIG.formatted("now.csv", 1), dir, dir.resolve("out").toString(), now);
    assertThat(ds.summary().rowsKept()).isEqualTo(41);
    assertThat(ds.summary().rejectedSample()).singleElement().satisfies(e -> assertThat(e).contains("now.csv:43:").contains("bad_timestamp")
        .contains("2021-01-02T01:00:00Z"));
    assertThat(ds.summary().timestamps().validTo()).isEqualTo("2021-01-02T00:00:00Z");
    assertThat(ds.manifest().created()).isEqualTo("2021-01-01T00:00:00Z");
  }

  @Test
  void thePlausibleRangeIsConfigurable() throws Exception {
    StringBuilder sb = new StringBuilder("user,item,rating,ts\n");
    for (int i = 0; i < 40; i++) {
      sb.append('u').append(i % 7).append(",i").append(i % 11).append(",4,").append(1000 + i).append('\n'); // 1970
    }
    sb.append("u1,i1,4,-1000\n"); // line 42: 1969
    TestData.write(dir, "old.csv", sb.toString());
    String cfg = CONFIG.formatted("old.csv", 1) + "timestamp_range: {from: 1970-01-01, to: 1971-01-01}\n";
    PrepareSummary s = Prepare.dataset(cfg, dir, dir.resolve("out").toString()).summary();
    assertThat(s.rowsKept()).isEqualTo(40);
    assertThat(s.rejectedSample()).singleElement().satisfies(e -> assertThat(e).contains("old.csv:42:").contains("bad_timestamp"));
    assertThat(s.timestamps().validTo()).isEqualTo("1971-01-01T00:00:00Z");
    assertThatThrownBy(() -> Prepare.config(CONFIG.formatted("old.csv", 1) + "timestamp_range: {from: 2020-01-01, to: 2019-01-01}\n", dir))
        .isInstanceOf(ConfigException.class).hasMessageContaining("timestamp_range.to");
    assertThatThrownBy(() -> Prepare.config(CONFIG.formatted("old.csv", 1) + "timestamp_range: {from: long ago}\n", dir))
        .isInstanceOf(ConfigException.class).hasMessageContaining("timestamp_range.from");
  }

  @Test
  void aConfiguredFormatIsReadAsConfiguredAndSaidSo() throws Exception {
    TestData.write(dir, "s.csv", goodRows(40, false).toString());
    PrepareSummary s = Prepare.dataset(CONFIG.formatted("s.csv", 0).replace("rating: rating}", "rating: rating}\n  timestamp_format: unix_seconds"),
        dir, dir.resolve("out").toString()).summary();
    assertThat(s.timestamps().readAs()).isEqualTo("unix_seconds");
    assertThat(s.timestamps().decidedBy()).contains("configured");
  }

  // --- ids --------------------------------------------------------------------------------------------------------

  @Test
  void invalidUtf8InAnIdIsABadRowInsteadOfMergingTwoUsers() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(goodRows(40, false).toString().getBytes(StandardCharsets.UTF_8)); // users u0..u6
    for (int i = 0; i < 40; i++) { // 40 more users: 47 so far
      b.write(("user" + i + ",i1,4," + (T0 + i) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    b.write(new byte[] {'x', (byte) 0xff, ',', 'i', '1', ',', '4', ','}); // line 82: two ids that differ only in bytes
    b.write((T0 + "\n").getBytes(StandardCharsets.UTF_8));                 // that are not UTF-8
    b.write(new byte[] {'x', (byte) 0xfe, ',', 'i', '1', ',', '4', ','}); // line 83
    b.write((T0 + "\n").getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("enc.csv"), b.toByteArray());
    PreparedDataset ds = prepare("enc.csv", 5);
    assertThat(ds.summary().rejectedByReason()).containsExactly(java.util.Map.entry("invalid_encoding", 2L));
    assertThat(ds.summary().rejectedSample()).anySatisfy(e -> assertThat(e).contains("enc.csv:82:"));
    assertThat(ds.users().size()).isEqualTo(47);
    // asked for, invalid bytes are replaced and the rows kept: the two ids then read alike
    PreparedDataset replaced = Prepare.dataset(CONFIG.formatted("enc.csv", 0).replace("rating: rating}", "rating: rating}\n  invalid_encoding: replace"),
        dir, dir.resolve("replaced").toString());
    assertThat(replaced.summary().rowsRejected()).isZero();
    assertThat(replaced.users().size()).isEqualTo(48);
    assertThat(replaced.users().row("x\ufffd")).isNotNegative();
  }

  @Test
  void whitespaceOnlyIdsAndIdsWithControlCharactersAreBadRows() throws Exception {
    StringBuilder sb = goodRows(40, false);
    sb.append("\u00a0,i1,4,").append(T0).append('\n');        // line 42: a no-break space only
    sb.append("u1,\u2003\u3000,4,").append(T0).append('\n');  // line 43: other Unicode spaces only
    sb.append("u\u0000x,i1,4,").append(T0).append('\n');      // line 44: NUL
    sb.append("u1,i\u0007,4,").append(T0).append('\n');       // line 45: BEL
    sb.append("\"u\u001b[31m\",i1,4,").append(T0).append('\n'); // line 46: an escape sequence, quoted
    TestData.write(dir, "ids.csv", sb.toString());
    PreparedDataset ds = prepare("ids.csv", 10);
    PrepareSummary s = ds.summary();
    assertThat(s.rowsKept()).isEqualTo(40);
    assertThat(s.rowsRejected()).isEqualTo(5);
    assertThat(s.rejectedByReason()).containsEntry("missing_id", 2L);
    assertThat(s.rejectedSample()).anySatisfy(e -> assertThat(e).contains("ids.csv:44:"));
    assertThat(ds.users().ids()).allSatisfy(id -> assertThat(id).matches("u[0-6]"));
  }

  @Test
  void sideTableKeysAndNumbersAreCheckedLikeTheLog() throws Exception {
    TestData.write(dir, "e.csv", goodRows(40, false).toString());
    ByteArrayOutputStream users = new ByteArrayOutputStream();
    users.write("id,age\nu0,30\nu1,Infinity\nu\u0000,20\n\u00a0,20\n".getBytes(StandardCharsets.UTF_8)); // lines 2-5
    users.write(new byte[] {'u', (byte) 0xff, ',', '2', '0', '\n'});                                      // line 6
    users.write("u2,1e999\nu3,40\n".getBytes(StandardCharsets.UTF_8));                                   // lines 7-8
    Files.write(dir.resolve("users.csv"), users.toByteArray());
    String cfg = CONFIG.formatted("e.csv", 10).replace("columns: {", "users: {path: users.csv, key: id}\n  columns: {")
        + "  - {name: age, entity: user, kind: numeric}\n";
    PrepareSummary s = Prepare.dataset(cfg, dir, dir.resolve("out").toString()).summary();
    assertThat(s.rowsRejected()).isZero();
    assertThat(s.sideTables().get("users").rowsRejected()).isEqualTo(5);
    assertThat(s.sideTables().get("users").keys()).isEqualTo(2);
    assertThat(s.rejectedByReason()).containsEntry("non_finite_number", 2L).containsEntry("invalid_id", 1L)
        .containsEntry("missing_id", 1L).containsEntry("invalid_encoding", 1L);
    assertThat(s.rejectedSample()).anySatisfy(e -> assertThat(e).contains("users.csv:4:").contains("\\u0000"));
  }

  // --- numbers ----------------------------------------------------------------------------------------------------

  @Test
  void nonFiniteNumbersAreBadRowsOfTheirOwn() throws Exception {
    StringBuilder sb = goodRows(40, false);
    sb.append("u1,i1,Infinity,").append(T0).append('\n');  // line 42
    sb.append("u1,i1,1e999,").append(T0).append('\n');     // line 43
    sb.append("u1,i1,NaN,").append(T0).append('\n');       // line 44
    sb.append("u1,i1,-Infinity,").append(T0).append('\n'); // line 45
    sb.append("u1,i1,1e300,").append(T0).append('\n');     // line 46: finite as a double, infinite as a float
    sb.append("u1,i1,,").append(T0).append('\n');          // line 47: empty, as before
    TestData.write(dir, "num.csv", sb.toString());
    PrepareSummary s = prepare("num.csv", 10).summary();
    assertThat(s.rowsKept()).isEqualTo(40);
    assertThat(s.rejectedByReason()).containsEntry("non_finite_number", 5L).containsEntry("missing_value", 1L);
    assertThat(s.rejectedSample()).anySatisfy(e -> assertThat(e).contains("num.csv:44:").contains("non_finite_number").contains("NaN"));
  }

  // --- structure --------------------------------------------------------------------------------------------------

  @Test
  void aDuplicateHeaderColumnIsRefusedNamingTheFileAndBothPositions() throws Exception {
    StringBuilder sb = new StringBuilder("user,item,rating,ts,user\n");
    for (int i = 0; i < 40; i++) {
      sb.append("u1,i").append(i).append(",4,").append(T0 + i).append(",u2\n");
    }
    TestData.write(dir, "dup.csv", sb.toString());
    assertThatThrownBy(() -> prepare("dup.csv", 0))
        .hasMessageContaining("dup.csv")
        .hasMessageContaining("'user'")
        .hasMessageContaining("1 and 5");
  }

  @Test
  void aQuotedFieldSpanningTwoLinesIsOneBadRowAtItsFirstLine() throws Exception {
    StringBuilder sb = goodRows(40, false);
    sb.append("u1,\"an item\nwith a line break\",4,").append(T0).append('\n'); // lines 42-43
    sb.append("u2,i2,4,").append(T0 + 1).append('\n');                          // line 44: fine
    TestData.write(dir, "ml.csv", sb.toString());
    PrepareSummary s = prepare("ml.csv", 5).summary();
    assertThat(s.rowsRejected()).isEqualTo(1);
    assertThat(s.rowsKept()).isEqualTo(41);
    assertThat(s.rowsRead()).isEqualTo(42);
    assertThat(s.rejectedSample()).singleElement().satisfies(e -> assertThat(e).contains("ml.csv:42:"));
  }

  @Test
  void configuredColumnNamesMayNotRepeat() {
    String cfg = CONFIG.formatted("x.csv", 0).replace("events: {path: x.csv}", "events: {path: x.csv, header: false, names: [user, item, ts, user]}");
    assertThatThrownBy(() -> Prepare.config(cfg, dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("source.events.names")
        .hasMessageContaining("positions 1 and 4");
  }

  @Test
  void aQuotedFieldThatNeverClosesIsOneBadLineAndTheRowsAfterItStay() throws Exception {
    StringBuilder sb = goodRows(40, false);
    sb.append("\"u3,i6,4,").append(T0).append('\n');   // line 42: a stray quote
    sb.append("\"u,4\",i7,5,").append(T0).append('\n'); // line 43: fine
    sb.append("u5,i8,5,").append(T0).append('\n');       // line 44: fine
    TestData.write(dir, "stray.csv", sb.toString());
    PreparedDataset ds = prepare("stray.csv", 5);
    assertThat(ds.summary().rowsRead()).isEqualTo(43);
    assertThat(ds.summary().rejectedSample()).singleElement().satisfies(e -> assertThat(e).contains("stray.csv:42:").contains("unterminated_quote"));
    assertThat(ds.users().row("u,4")).isNotNegative();
  }

  // --- compression and binary files -------------------------------------------------------------------------------

  private static byte[] gzip(String s) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(b)) {
      z.write(s.getBytes(StandardCharsets.UTF_8));
    }
    return b.toByteArray();
  }

  @Test
  void aGzipFileNamedCsvIsReadAsGzip() throws Exception {
    Files.write(dir.resolve("events.csv"), gzip(goodRows(40, false).toString()));
    PrepareSummary s = prepare("events.csv", 0).summary();
    assertThat(s.rowsRead()).isEqualTo(40);
    assertThat(s.rowsKept()).isEqualTo(40);
  }

  @Test
  void bzip2AndGzipLogsAreReadByTheirExtension() throws Exception {
    String csv = goodRows(40, false).toString();
    org.apache.hadoop.io.compress.BZip2Codec codec = new org.apache.hadoop.io.compress.BZip2Codec();
    codec.setConf(new org.apache.hadoop.conf.Configuration());
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (var out = codec.createOutputStream(b)) {
      out.write(csv.getBytes(StandardCharsets.UTF_8));
    }
    Files.write(dir.resolve("events.csv.bz2"), b.toByteArray());
    assertThat(prepare("events.csv.bz2", 0).summary().rowsKept()).isEqualTo(40);
    Files.createDirectories(dir.resolve("parts"));
    Files.write(dir.resolve("parts/a.csv.gz"), gzip(csv));
    Files.write(dir.resolve("parts/b.csv"), csv.getBytes(StandardCharsets.UTF_8));
    assertThat(prepare("parts", 0).summary().rowsKept()).isEqualTo(80);
    // a compressed TSV is still a TSV
    Files.write(dir.resolve("events.tsv.gz"), gzip(csv.replace(',', '\t')));
    assertThat(prepare("events.tsv.gz", 0).summary().rowsKept()).isEqualTo(40);
    // a codec that cannot work here (zstd without Hadoop's native library) is named, with the file
    Files.write(dir.resolve("events.csv.zst"), new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0});
    assertThatThrownBy(() -> prepare("events.csv.zst", 0))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("events.csv.zst")
        .hasMessageContaining("cannot decompress with ZStandardCodec");
  }

  @Test
  void aBinaryFileIsRefusedAsBinary() throws Exception {
    byte[] junk = new byte[400];
    new java.util.Random(1).nextBytes(junk);
    junk[3] = 0;
    Files.write(dir.resolve("model.csv"), junk);
    assertThatThrownBy(() -> prepare("model.csv", 0))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("model.csv")
        .hasMessageContaining("binary");
    // without a header, the first line is checked all the same
    Files.write(dir.resolve("headless.csv"), ("u1\u0000,i1,4," + T0 + "\n").getBytes(StandardCharsets.UTF_8));
    String cfg = CONFIG.formatted("headless.csv", 0).replace("events: {path: headless.csv}", "events: {path: headless.csv, header: false, names: [user, item, rating, ts]}");
    assertThatThrownBy(() -> Prepare.dataset(cfg, dir, dir.resolve("out").toString()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("headless.csv looks binary")
        .hasMessageContaining("NUL");
  }

  static long seconds(String iso) {
    return Instant.parse(iso).getEpochSecond();
  }
}
