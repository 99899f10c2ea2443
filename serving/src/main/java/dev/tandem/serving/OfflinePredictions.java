package dev.tandem.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.fs.Path;

/**
 * Batch mode: the top K for every known user, through the same pipeline as online requests (cache bypassed), written to
 * one file on any Hadoop file system, atomically. Users are processed in chunks on several threads and written in
 * the bundle's user order. Format by extension: {@code .csv} gives {@code user_id,rank,item_id,score} rows; anything
 * else JSON lines {@code {"user": ..., "path": ..., "items": [...], "scores": [...]}}.
 */
public final class OfflinePredictions {
  private static final ObjectMapper JSON = Persisted.json();
  private static final int CHUNK = 256;

  private OfflinePredictions() {}

  /**
   * Writes the predictions for {@code users} to {@code out}; returns the number of users written. The file appears
   * complete or not at all. A failure to write it is an {@link IOException} whose one-line message names {@code out} and
   * the reason ({@link FileNotFoundException} when the location cannot hold the file, e.g. a missing or read-only
   * directory); a failure of the recommender is thrown as it came.
   */
  public static long write(Recommender recommender, List<String> users, int k, Path out, int threads) throws IOException {
    boolean csv = out.getName().toLowerCase(Locale.ROOT).endsWith(".csv");
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
    long[] written = {0};
    try {
      Fs.writeAtomically(out, stream -> {
        if (csv) {
          stream.write("user_id,rank,item_id,score\n".getBytes(StandardCharsets.UTF_8));
        }
        // a bounded window of chunks in flight keeps memory flat however many users there are
        List<Future<byte[]>> window = new ArrayList<>();
        int next = 0;
        for (int from = 0; from < users.size(); from += CHUNK) {
          while (next < users.size() && window.size() < 2 * Math.max(1, threads)) {
            int start = next;
            int end = Math.min(users.size(), start + CHUNK);
            window.add(pool.submit(() -> chunk(recommender, users.subList(start, end), k, csv)));
            next = end;
          }
          write(stream, window.remove(0));
          written[0] += Math.min(CHUNK, users.size() - from);
        }
      });
    } finally {
      pool.shutdownNow();
    }
    return written[0];
  }

  private static void write(OutputStream stream, Future<byte[]> f) throws IOException {
    try {
      stream.write(f.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(e.getCause());
    }
  }

  private static byte[] chunk(Recommender recommender, List<String> users, int k, boolean csv) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String user : users) {
      Recommendations r = recommender.recommend(RecommendRequest.of(user, k).withCache(false));
      if (csv) {
        for (int i = 0; i < r.items().size(); i++) {
          sb.append(csvField(user)).append(',').append(i + 1).append(',').append(csvField(r.items().get(i))).append(',')
              .append(r.scores().get(i).floatValue()).append('\n');
        }
      } else {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("user", user);
        line.put("path", r.path());
        line.put("items", r.items());
        line.put("scores", r.scores());
        sb.append(JSON.writeValueAsString(line)).append('\n');
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String csvField(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
