package dev.tandem.cli.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import dev.tandem.trainer.tune.ParamSpec;
import dev.tandem.trainer.tune.sweep.SweepConfig;
import dev.tandem.trainer.tune.sweep.SweepState;
import dev.tandem.trainer.tune.sweep.TrialRecord;
import dev.tandem.trainer.tune.sweep.TrialStore;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.text.StringEscapeUtils;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The leaderboard of a sweep: its trials ranked by the objective, written as {@code leaderboard.csv},
 * {@code leaderboard.json} and a self-contained {@code leaderboard.html} (inline CSS; the plots are PNGs drawn with
 * XChart and embedded as base64): the ranked table, each parameter against the objective, and the learning curves of
 * the best trials.
 */
public final class SweepReport {
  /** How many of the best trials' learning curves are drawn. */
  static final int CURVES = 5;

  private final SweepState state;
  private final SweepConfig cfg;
  private final List<TrialRecord> ranked;

  public SweepReport(SweepState state, SweepConfig cfg) {
    this.state = state;
    this.cfg = cfg;
    this.ranked = rank(state.trials(), cfg.objective());
  }

  /** Loads a sweep directory's state and definition. */
  public static SweepReport of(TrialStore store) {
    SweepState s = store.readRequired();
    SweepConfig c = SweepConfig.parse(readString(store.definition()), store.definition().toString(), store.root().toString()).value();
    return new SweepReport(s, c);
  }

  private static String readString(Path p) {
    try {
      return Fs.readString(p);
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException("no sweep definition at " + p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p, e);
    }
  }

  /** Trials with a value first, best first (ties: the earlier trial); then the others in trial order. */
  public static List<TrialRecord> rank(List<TrialRecord> trials, SweepConfig.Objective objective) {
    List<TrialRecord> withValue = new ArrayList<>();
    List<TrialRecord> rest = new ArrayList<>();
    for (TrialRecord t : trials) {
      (t.value() != null && t.status() != TrialRecord.Status.FAILED ? withValue : rest).add(t);
    }
    Comparator<TrialRecord> byValue = Comparator.comparingDouble(TrialRecord::value);
    withValue.sort((objective.maximize() ? byValue.reversed() : byValue).thenComparingInt(TrialRecord::index));
    List<TrialRecord> out = new ArrayList<>(withValue);
    out.addAll(rest);
    return out;
  }

  public SweepConfig.Objective objective() {
    return cfg.objective();
  }

  /** The searched keys and their dimensions. */
  public Map<String, ParamSpec> space() {
    return cfg.space();
  }

  public List<TrialRecord> ranked() {
    return ranked;
  }

  /** The best trial with a value, if any. */
  public Optional<TrialRecord> best() {
    return ranked.isEmpty() || ranked.get(0).value() == null || ranked.get(0).status() == TrialRecord.Status.FAILED
        ? Optional.empty() : Optional.of(ranked.get(0));
  }

  /** The rank of a trial (1 = best), or 0 for trials without a value. */
  public int rankOf(TrialRecord t) {
    int i = ranked.indexOf(t);
    return i >= 0 && t.value() != null && t.status() != TrialRecord.Status.FAILED ? i + 1 : 0;
  }

  private List<String> paramKeys() {
    return new ArrayList<>(cfg.space().keySet());
  }

  /** The leaderboard as CSV: rank, trial, status, objective, best epoch, epochs, seconds, each parameter, error. */
  public String csv() {
    StringBuilder sb = new StringBuilder();
    List<String> head = new ArrayList<>(List.of("rank", "trial", "status", cfg.objective().metric(), "best_epoch", "epochs", "seconds"));
    head.addAll(paramKeys());
    head.add("note");
    sb.append(String.join(",", head.stream().map(SweepReport::csvCell).toList())).append('\n');
    for (TrialRecord t : ranked) {
      List<String> row = new ArrayList<>();
      int rank = rankOf(t);
      row.add(rank == 0 ? "" : String.valueOf(rank));
      row.add(t.id());
      row.add(t.status().key());
      row.add(t.value() == null ? "" : String.valueOf(t.value()));
      row.add(t.bestEpoch() == null ? "" : String.valueOf(t.bestEpoch()));
      row.add(String.valueOf(t.epochs()));
      row.add(String.format("%.1f", t.seconds()));
      for (String k : paramKeys()) {
        JsonNode v = t.params().get(k);
        row.add(v == null ? "" : v.isTextual() ? v.asText() : v.toString());
      }
      row.add(note(t));
      sb.append(String.join(",", row.stream().map(SweepReport::csvCell).toList())).append('\n');
    }
    return sb.toString();
  }

  private static String note(TrialRecord t) {
    return t.error() != null ? t.error() : t.stopReason() != null ? t.stopReason() : "";
  }

  static String csvCell(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  /** The leaderboard as JSON: the sweep, its objective and space, and the ranked trials (full records plus rank). */
  public byte[] json() {
    ObjectNode root = Persisted.json().createObjectNode();
    root.put("name", state.name());
    root.put("status", state.status());
    root.put("elapsed_seconds", state.elapsedSeconds());
    root.set("objective", Persisted.json().valueToTree(cfg.objective()));
    root.set("space", Persisted.json().valueToTree(cfg.space()));
    root.put("summary", state.summary(cfg.objective(), 0));
    ArrayNode trials = root.putArray("trials");
    for (TrialRecord t : ranked) {
      ObjectNode n = Persisted.json().valueToTree(t);
      int rank = rankOf(t);
      if (rank > 0) {
        n.put("rank", rank);
      } else {
        n.putNull("rank");
      }
      trials.add(n);
    }
    try {
      return Persisted.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The self-contained HTML page. */
  public String html() throws IOException {
    String metric = cfg.objective().metric();
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sweep ").append(esc(state.name()))
        .append("</title>\n<style>\n")
        .append("body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:24px;color:#1f2328;background:#fff}\n")
        .append("h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}\n")
        .append(".meta{color:#57606a;margin:0 0 16px}table{border-collapse:collapse;font-size:13px}\n")
        .append("th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}\n")
        .append("tr.best td{background:#dafbe1;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
        .append(".completed{color:#1a7f37}.stopped{color:#9a6700}.failed{color:#cf222e}.pending,.running{color:#0969da}\n")
        .append(".plots{display:flex;flex-wrap:wrap;gap:12px}.plots img{border:1px solid #d0d7de;max-width:100%}\n")
        .append("td.note{min-width:240px;max-width:420px;color:#57606a;font-size:12px}.scroll{overflow-x:auto}\n")
        .append("</style></head><body>\n");
    h.append("<h1>Sweep ").append(esc(state.name())).append("</h1>\n<p class=\"meta\">objective: ").append(esc(cfg.objective().direction()))
        .append(' ').append(esc(metric)).append(" (").append(esc(cfg.objective().split())).append(" split) · sampler ")
        .append(esc(cfg.sampler().type().key())).append(" · scheduler ").append(esc(cfg.scheduler().type().key())).append(" · status ")
        .append(esc(state.status())).append(String.format(" · %.1f min", state.elapsedSeconds() / 60)).append("<br>")
        .append(esc(state.summary(cfg.objective(), 0))).append("</p>\n");

    h.append("<h2>Leaderboard</h2>\n<div class=\"scroll\"><table id=\"leaderboard\"><thead><tr><th>rank</th><th>trial</th><th>status</th><th>")
        .append(esc(metric)).append("</th><th>best epoch</th><th>epochs</th><th>seconds</th>");
    for (String k : paramKeys()) {
      h.append("<th>").append(esc(k)).append("</th>");
    }
    h.append("<th>note</th></tr></thead>\n<tbody>\n");
    for (TrialRecord t : ranked) {
      int rank = rankOf(t);
      h.append(rank == 1 ? "<tr class=\"best\">" : "<tr>").append("<td class=\"num\">").append(rank == 0 ? "" : rank).append("</td><td>")
          .append(esc(t.id())).append("</td><td class=\"").append(t.status().key()).append("\">").append(t.status().key())
          .append("</td><td class=\"num\">").append(t.value() == null ? "" : String.format("%.4f", t.value())).append("</td><td class=\"num\">")
          .append(t.bestEpoch() == null ? "" : t.bestEpoch()).append("</td><td class=\"num\">").append(t.epochs())
          .append("</td><td class=\"num\">").append(String.format("%.0f", t.seconds())).append("</td>");
      for (String k : paramKeys()) {
        JsonNode v = t.params().get(k);
        h.append("<td>").append(v == null ? "" : esc(v.isTextual() ? v.asText() : v.toString())).append("</td>");
      }
      h.append("<td class=\"note\">").append(esc(note(t))).append("</td></tr>\n");
    }
    h.append("</tbody></table></div>\n");

    h.append("<h2>Parameters against ").append(esc(metric)).append("</h2>\n<div class=\"plots\">\n");
    for (String k : paramKeys()) {
      h.append(img(parameterPlot(k), k + " against " + metric));
    }
    h.append("</div>\n<h2>Learning curves of the best trials</h2>\n<div class=\"plots\">\n");
    h.append(img(curvesPlot(), "validation " + metric + " per epoch of the best trials"));
    h.append("</div>\n</body></html>\n");
    return h.toString();
  }

  private static String img(byte[] png, String alt) {
    return "<img alt=\"" + esc(alt) + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\">\n";
  }

  static String esc(String s) {
    return StringEscapeUtils.escapeHtml4(s);
  }

  /** The objective of every trial with a value against one parameter: a scatter plot, or a strip per choice. */
  byte[] parameterPlot(String key) throws IOException {
    String metric = cfg.objective().metric();
    ParamSpec spec = cfg.space().get(key);
    List<TrialRecord> valued = ranked.stream().filter(t -> rankOf(t) > 0).toList();
    if (spec.type() == ParamSpec.Type.CHOICE) {
      // choices: one column per value, each trial a point (categories on x as their labels)
      CategoryChart c = new CategoryChartBuilder().width(460).height(320).title(key).xAxisTitle(key).yAxisTitle(metric).build();
      style(c.getStyler());
      c.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
      List<String> labels = new ArrayList<>();
      for (JsonNode v : spec.values()) {
        labels.add(v.isTextual() ? v.asText() : v.toString());
      }
      Map<Integer, List<Double>> byRound = new LinkedHashMap<>();
      Map<String, Integer> seen = new LinkedHashMap<>();
      for (TrialRecord t : valued) {
        JsonNode v = t.params().get(key);
        String label = v == null ? "?" : v.isTextual() ? v.asText() : v.toString();
        int round = seen.merge(label, 1, Integer::sum) - 1;
        List<Double> ys = byRound.computeIfAbsent(round, r -> new ArrayList<>(Collections.nCopies(labels.size(), (Double) null)));
        int idx = labels.indexOf(label);
        if (idx >= 0) {
          ys.set(idx, t.value());
        }
      }
      if (byRound.isEmpty()) {
        byRound.put(0, new ArrayList<>(Collections.nCopies(labels.size(), (Double) null)));
      }
      for (Map.Entry<Integer, List<Double>> e : byRound.entrySet()) {
        var s = c.addSeries("trials " + (e.getKey() + 1), labels, e.getValue());
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(new Color(9, 105, 218));
      }
      c.getStyler().setLegendVisible(false);
      return png(c);
    }
    XYChart c = new XYChartBuilder().width(460).height(320).title(key).xAxisTitle(key).yAxisTitle(metric).build();
    style(c.getStyler());
    c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    boolean logAxis = spec.type() == ParamSpec.Type.LOGUNIFORM || Boolean.TRUE.equals(spec.log());
    c.getStyler().setXAxisLogarithmic(logAxis);
    if (logAxis) {
      // ticks at every 1..9 x 10^k (a range of a decade or two would otherwise have no label), labelled at 1, 2 and 5
      // x 10^k only, so that labels do not run into each other at the top of a decade
      c.getStyler().setXAxisLogarithmicDecadeOnly(false);
      c.getStyler().setxAxisTickLabelsFormattingFunction(SweepReport::logTickLabel);
    }
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    List<Double> bx = new ArrayList<>();
    List<Double> by = new ArrayList<>();
    for (TrialRecord t : valued) {
      JsonNode v = t.params().get(key);
      if (v != null && v.isNumber()) {
        (rankOf(t) == 1 ? bx : xs).add(v.asDouble());
        (rankOf(t) == 1 ? by : ys).add(t.value());
      }
    }
    if (xs.isEmpty() && bx.isEmpty()) {
      xs.add(spec.low());
      ys.add(0.0);
    }
    if (!xs.isEmpty()) {
      XYSeries s = c.addSeries("trials", xs, ys);
      s.setMarker(SeriesMarkers.CIRCLE);
      s.setMarkerColor(new Color(9, 105, 218));
    }
    if (!bx.isEmpty()) {
      XYSeries b = c.addSeries("best", bx, by);
      b.setMarker(SeriesMarkers.DIAMOND);
      b.setMarkerColor(new Color(26, 127, 55));
    }
    return png(c);
  }

  /** A log axis's tick label: the value at 1, 2 and 5 x 10^k, nothing elsewhere. */
  static String logTickLabel(Double v) {
    if (v == null || !(v > 0)) {
      return "";
    }
    double mantissa = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    long m = Math.round(mantissa);
    if (Math.abs(mantissa - m) > 1e-6 || (m != 1 && m != 2 && m != 5)) {
      return "";
    }
    return BigDecimal.valueOf(v).round(new MathContext(1)).stripTrailingZeros().toPlainString();
  }

  /** The validation objective per epoch of the best trials. */
  byte[] curvesPlot() throws IOException {
    XYChart c = new XYChartBuilder().width(940).height(420).title("best trials").xAxisTitle("epoch")
        .yAxisTitle("validation " + cfg.objective().metric()).build();
    style(c.getStyler());
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    int drawn = 0;
    for (TrialRecord t : ranked) {
      if (drawn == CURVES || rankOf(t) == 0) {
        break;
      }
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int e = 0; e < t.curve().size(); e++) {
        if (t.curve().get(e) != null) {
          xs.add(e + 1.0);
          ys.add(t.curve().get(e));
        }
      }
      if (xs.isEmpty()) {
        continue;
      }
      XYSeries s = c.addSeries("#" + rankOf(t) + " trial " + t.id() + " (" + t.status().key() + ")", xs, ys);
      s.setMarker(SeriesMarkers.CIRCLE);
      drawn++;
    }
    if (drawn == 0) {
      c.addSeries("no trial has finished an epoch", List.of(0.0), List.of(0.0));
    }
    return png(c);
  }

  private static void style(Styler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setLegendPosition(Styler.LegendPosition.InsideSE);
  }

  private static byte[] png(Chart<?, ?> chart) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    return out.toByteArray();
  }

  /** Writes leaderboard.csv, leaderboard.json and leaderboard.html into {@code dir}; returns the HTML's path. */
  public Path write(Path dir) throws IOException {
    Fs.writeAtomically(new Path(dir, "leaderboard.csv"), csv().getBytes(StandardCharsets.UTF_8));
    Fs.writeAtomically(new Path(dir, "leaderboard.json"), json());
    Path html = new Path(dir, "leaderboard.html");
    Fs.writeAtomically(html, html().getBytes(StandardCharsets.UTF_8));
    return html;
  }
}
