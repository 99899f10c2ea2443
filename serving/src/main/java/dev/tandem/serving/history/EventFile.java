package dev.tandem.serving.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.tandem.fs.Fs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * A file of events to apply before answering ({@code tandem recommend --events FILE}), in either form:
 * <ul>
 *   <li>CSV (a name ending in {@code .csv}): a header naming the columns ({@code user,item,time} and the outcome
 *       columns, e.g. {@code watch_seconds}), then one event per row; an empty cell is a missing value (a missing time is
 *       now);</li>
 *   <li>JSON lines (any other name): one event per line, as {@code POST /events} takes it; blank lines are skipped.</li>
 * </ul>
 * Every event goes through {@link ServedEvent#parse}, the validation of {@code POST /events}; an error names the file,
 * its line and the field.
 */
public final class EventFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EventFile() {}

  /**
   * Reads and validates every event of a file (any Hadoop URI).
   *
   * @param now the time of events without one
   * @throws IllegalArgumentException naming the file, line and field of the first malformed event
   * @throws IOException if the file cannot be read
   */
  public static List<ServedEvent> read(Path file, ServedEvent.Schema schema, long now) throws IOException {
    try (InputStream in = Fs.open(file); Reader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      return file.getName().toLowerCase(java.util.Locale.ROOT).endsWith(".csv") ? csv(file, r, schema, now) : jsonLines(file, r, schema, now);
    }
  }

  private static List<ServedEvent> csv(Path file, Reader r, ServedEvent.Schema schema, long now) throws IOException {
    CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.TRIM_SPACES).enable(CsvParser.Feature.FAIL_ON_MISSING_COLUMNS);
    List<ServedEvent> out = new ArrayList<>();
    try (MappingIterator<Map<String, String>> rows = mapper.readerForMapOf(String.class).with(CsvSchema.emptySchema().withHeader())
        .readValues(r)) {
      while (true) {
        long line = rows.getCurrentLocation().getLineNr();
        Map<String, String> row;
        try {
          if (!rows.hasNextValue()) {
            break;
          }
          line = rows.getCurrentLocation().getLineNr();
          row = rows.nextValue();
        } catch (IOException | RuntimeException e) {
          throw new IllegalArgumentException(Fs.shown(file) + ":" + line + ": not a CSV row of the header's columns: " + firstLine(e), e);
        }
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        row.forEach((k, v) -> {
          if (v != null && !v.isEmpty()) {
            o.put(k.strip(), v);
          }
        });
        out.add(parse(o, file, line, schema, now));
      }
    }
    return out;
  }

  private static List<ServedEvent> jsonLines(Path file, Reader r, ServedEvent.Schema schema, long now) throws IOException {
    List<ServedEvent> out = new ArrayList<>();
    BufferedReader lines = (BufferedReader) r;
    String l;
    long n = 0;
    while ((l = lines.readLine()) != null) {
      n++;
      if (l.isBlank()) {
        continue;
      }
      JsonNode node;
      try {
        node = JSON.readTree(l);
      } catch (IOException e) {
        throw new IllegalArgumentException(Fs.shown(file) + ":" + n + ": not JSON: " + firstLine(e), e);
      }
      out.add(parse(node, file, n, schema, now));
    }
    return out;
  }

  private static ServedEvent parse(JsonNode node, Path file, long line, ServedEvent.Schema schema, long now) {
    try {
      return ServedEvent.parse(node, "", schema, now);
    } catch (ServedEvent.MalformedEventException e) {
      throw new IllegalArgumentException(Fs.shown(file) + ":" + line + ": " + e.getMessage(), e);
    }
  }

  private static String firstLine(Exception e) {
    String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    return m == null ? e.toString() : m.lines().findFirst().orElse(m);
  }
}
