package dev.tandem.serving.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.fs.CorruptDataException;
import dev.tandem.fs.Fs;
import dev.tandem.testing.MiniHdfs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The events log: segments per start, replay in start order, torn last lines, damage named by file and line, group commit, HDFS. */
class EventLogTest {
  @TempDir
  Path dir;

  private static List<String> replayAll(EventLog log) throws Exception {
    List<String> out = new ArrayList<>();
    log.replay((line, where) -> out.add(line));
    return out;
  }

  @Test
  void eachStartWritesASegmentAndReplaysTheEarlierOnesInOrder() throws Exception {
    org.apache.hadoop.fs.Path logDir = Fs.path(dir.resolve("log").toString());
    try (EventLog first = EventLog.open(logDir)) {
      assertThat(replayAll(first)).isEmpty();
      first.append(List.of("{\"n\": 1}", "{\"n\": 2}"));
      first.append(List.of("{\"n\": 3}"));
    }
    Thread.sleep(2); // segment names start with the start time in milliseconds
    try (EventLog second = EventLog.open(logDir)) {
      assertThat(replayAll(second)).containsExactly("{\"n\": 1}", "{\"n\": 2}", "{\"n\": 3}");
      second.append(List.of("{\"n\": 4}"));
      // not closed: a killed server leaves its segment open
      try (EventLog third = EventLog.open(logDir)) {
        assertThat(replayAll(third)).containsExactly("{\"n\": 1}", "{\"n\": 2}", "{\"n\": 3}", "{\"n\": 4}");
      }
    }
    assertThatThrownBy(() -> EventLog.open(logDir).append(List.of("a\nb"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aTornLastLineIsSkippedAndCountedButDamageElsewhereIsNamed() throws Exception {
    Path logDir = Files.createDirectories(dir.resolve("torn"));
    Files.writeString(logDir.resolve("events-0000000000001-0000000a.jsonl"), "{\"n\": 1}\n{\"n\": 2}\n{\"n\": 3");
    try (EventLog log = EventLog.open(Fs.path(logDir.toString()))) {
      List<String> lines = new ArrayList<>();
      EventLog.Replayed r = log.replay((line, where) -> lines.add(line));
      assertThat(lines).containsExactly("{\"n\": 1}", "{\"n\": 2}");
      assertThat(r.tornLines()).isEqualTo(1);
      assertThat(r.segments()).isEqualTo(1);
    }
    Files.writeString(logDir.resolve("events-0000000000002-0000000b.jsonl"), "{\"n\": 4}\nnot an event\n{\"n\": 5}\n");
    try (EventLog log = EventLog.open(Fs.path(logDir.toString()))) {
      assertThatThrownBy(() -> log.replay((line, where) -> {
        if (!line.startsWith("{")) {
          throw new IllegalArgumentException("not JSON");
        }
      })).isInstanceOf(CorruptDataException.class).hasMessageContaining("events-0000000000002-0000000b.jsonl:2").hasMessageContaining("not JSON");
    }
    // files that are not segments are left alone
    Files.writeString(logDir.resolve("README"), "x");
    try (EventLog log = EventLog.open(Fs.path(logDir.toString()))) {
      assertThat(log.segment().getName()).matches("events-[0-9]{13}-[0-9a-f]{8}\\.jsonl");
    }
  }

  @Test
  void concurrentAppendsShareSyncsAndAllLand() throws Exception {
    org.apache.hadoop.fs.Path logDir = Fs.path(dir.resolve("group").toString());
    int threads = 8;
    int each = 200;
    try (EventLog log = EventLog.open(logDir)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            log.append(List.of("{\"t\": " + id + ", \"i\": " + i + "}"));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      long[] syncs = log.syncStats();
      assertThat(syncs[0]).isBetween(1L, (long) threads * each);
      List<String> lines = Files.readAllLines(Path.of(log.segment().toUri()), StandardCharsets.UTF_8);
      assertThat(lines).hasSize(threads * each);
      // each thread's lines are in its own order
      for (int t = 0; t < threads; t++) {
        String prefix = "{\"t\": " + t + ", ";
        List<String> mine = lines.stream().filter(l -> l.startsWith(prefix)).toList();
        List<String> sorted = new ArrayList<>(mine);
        Collections.sort(sorted, (a, b) -> Integer.compare(i(a), i(b)));
        assertThat(mine).hasSize(each).isEqualTo(sorted);
      }
    }
  }

  private static int i(String line) {
    return Integer.parseInt(line.replaceAll(".*\"i\": ([0-9]+).*", "$1"));
  }

  /** On HDFS: what a writer that never closed its segment (a killed server) acknowledged is read back by the next start. */
  @Test
  void onHdfsAnUnclosedSegmentIsReadBackWhole() throws Exception {
    try (MiniHdfs hdfs = new MiniHdfs(dir.resolve("hdfs").toFile(), 2)) {
      org.apache.hadoop.fs.Path logDir = Fs.path(hdfs.uri() + "/serving/events/v1");
      EventLog writer = EventLog.open(logDir);
      List<String> written = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        written.add("{\"i\": " + i + "}");
        writer.append(List.of(written.get(i)));
      }
      Thread.sleep(2);
      try (EventLog next = EventLog.open(logDir)) {
        assertThat(replayAll(next)).isEqualTo(written);
      }
      writer.close();

      // a rolling layout with a header (the impression and feedback logs of experiments): rolls on HDFS, and every
      // segment, the one still open included, reads back whole without its header lines
      EventLog.Layout csv = new EventLog.Layout("feedback", "csv", "a,b", 64, Long.MAX_VALUE);
      org.apache.hadoop.fs.Path csvDir = Fs.path(hdfs.uri() + "/serving/experiments/e1/feedback");
      EventLog rolling = EventLog.open(csvDir, csv);
      List<String> rows = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        rows.add(i + ",row-" + i);
        rolling.append(List.of(rows.get(i)));
      }
      assertThat(rolling.rolls()).isGreaterThan(5);
      List<String> back = new ArrayList<>();
      EventLog.Replayed r = EventLog.readAll(csvDir, csv, (line, where) -> back.add(line));
      assertThat(back).isEqualTo(rows);
      assertThat(r.segments()).isEqualTo(rolling.rolls() + 1);
      assertThat(EventLog.segments(csvDir, EventLog.Layout.EVENTS)).isEmpty(); // layouts do not see each other's segments
      rolling.close();
    }
  }
}
