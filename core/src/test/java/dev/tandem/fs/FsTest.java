package dev.tandem.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Fs#renameNoOverwrite} is how concurrent writers claim a name: exactly one of them may win, every time; and
 * {@link Fs#writeAtomically} replaces a file so that a reader always finds one.
 */
class FsTest {
  @TempDir
  java.nio.file.Path dir;

  @Test
  void aFileRewrittenAtomicallyIsNeverMissingForAReader() throws Exception {
    Path file = Fs.path(dir.resolve("state.json").toString());
    Fs.writeString(file, "0");
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> writer = pool.submit(() -> {
        try {
          for (int i = 1; i <= 1000; i++) {
            Fs.writeString(file, Integer.toString(i));
          }
        } finally {
          writing.set(false);
        }
        return null;
      });
      long reads = 0;
      long missing = 0;
      int last = 0;
      while (writing.get()) {
        try {
          int v = Integer.parseInt(new String(Fs.readAll(file), StandardCharsets.UTF_8));
          assertThat(v).as("versions only move forward").isGreaterThanOrEqualTo(last);
          last = v;
        } catch (FileNotFoundException e) {
          missing++;
        }
        reads++;
      }
      writer.get();
      assertThat(missing).as("reads that found no file, of %d", reads).isZero();
      assertThat(reads).isPositive();
      assertThat(new String(Fs.readAll(file), StandardCharsets.UTF_8)).isEqualTo("1000");
    } finally {
      pool.shutdownNow();
    }
  }

  private static final int WRITERS = 6;

  @Test
  void exactlyOneConcurrentDirectoryRenameWins() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try {
      for (int round = 0; round < 40; round++) {
        Path target = Fs.path(dir.resolve("v" + round).toString());
        List<Path> sources = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          Path src = Fs.path(dir.resolve("staging-" + round + "-" + w).toString());
          Fs.writeStaged(new Path(src, "writer-" + w), new byte[] {(byte) w});
          sources.add(src);
        }
        List<Boolean> won = race(pool, sources, target);
        assertThat(won.stream().filter(b -> b).count()).as("round %d: winners", round).isEqualTo(1);
        int winner = won.indexOf(true);
        try (Stream<java.nio.file.Path> files = Files.list(dir.resolve("v" + round))) {
          // the losers' directories must not have been copied into the winner's (Hadoop's local rename fallback)
          assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("writer-" + winner);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void exactlyOneConcurrentFileRenameWins() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try {
      for (int round = 0; round < 40; round++) {
        Path target = Fs.path(dir.resolve("entry-" + round).toString());
        List<Path> sources = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          Path src = Fs.path(dir.resolve("tmp-" + round + "-" + w).toString());
          Fs.writeStaged(src, ("writer-" + w).getBytes(StandardCharsets.UTF_8));
          sources.add(src);
        }
        List<Boolean> won = race(pool, sources, target);
        assertThat(won.stream().filter(b -> b).count()).as("round %d: winners", round).isEqualTo(1);
        assertThat(Fs.readString(target)).isEqualTo("writer-" + won.indexOf(true));
        for (int w = 0; w < WRITERS; w++) {
          assertThat(Fs.exists(sources.get(w))).as("source of writer %d", w).isEqualTo(!won.get(w));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static List<Boolean> race(ExecutorService pool, List<Path> sources, Path target) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Boolean>> futures = new ArrayList<>();
    for (Path src : sources) {
      futures.add(pool.submit(() -> {
        start.await();
        return Fs.renameNoOverwrite(src, target);
      }));
    }
    start.countDown();
    List<Boolean> out = new ArrayList<>();
    for (Future<Boolean> f : futures) {
      out.add(f.get());
    }
    return out;
  }
}
