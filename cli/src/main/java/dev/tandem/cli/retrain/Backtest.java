package dev.tandem.cli.retrain;

import dev.tandem.datasets.drift.DriftReport;
import dev.tandem.format.Persisted;
import dev.tandem.fs.Fs;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Replays a log as a sequence of cycles from T0 to T1 and follows three policies side by side: never retrain (the
 * model trained before T0 serves throughout), always promote the challenger, and the gate. Every cycle's challenger is
 * the same model for all three (trained on everything before the newest window); what differs is the champion each
 * policy keeps. The metric a policy scores on a cycle is its champion's on the newest window: the model that served
 * during that window, scored on events it never saw.
 */
public final class Backtest {
  public static final String FILE = "backtest.json";
  public static final String PLOT = "backtest.png";
  public static final List<String> POLICIES = List.of("never", "always", "gated");

  private Backtest() {}

  /**
   * One cycle of the replay.
   *
   * @param serving  per policy, the gate metric of the model that served during the window
   * @param models   per policy, that model
   * @param gated    the gated policy's decision with its evidence
   */
  public record Cycle(String cycle, int events, String drift, double driftedShare, List<String> driftReasons, Double predictionPsi,
      String concept, Map<String, Double> serving, Map<String, String> models, double challenger, Decision gated) {}

  /** {@code backtest.json}. */
  public record Result(int format, String name, String from, String to, String every, String metric, List<Cycle> cycles,
      Map<String, Double> meanServing) {
    public static final int FORMAT = 1;
  }

  /** A policy's champion. */
  private static final class Policy {
    Workspace.Model model;
    double atPromotion;

    Policy(Workspace.Model model, double atPromotion) {
      this.model = model;
      this.atPromotion = atPromotion;
    }
  }

  /** Runs the replay; {@code listener} sees each cycle as it is decided. */
  public static Result run(Workspace ws, long from, long to, java.util.function.Consumer<Cycle> listener) {
    long w = ws.window();
    if (to - from < w) {
      throw new IllegalArgumentException("--to must be at least one window (" + ws.config().window().every() + ") after --from");
    }
    String metric = ws.config().gate().metric();
    Workspace.Model initial = ws.model(from - w);
    double initialMetric = Gate.metrics(ws.scores(initial, from - w, from)).getOrDefault(metric, Double.NaN);
    Map<String, Policy> policies = new LinkedHashMap<>();
    for (String p : POLICIES) {
      policies.put(p, new Policy(initial, initialMetric));
    }
    List<Cycle> cycles = new ArrayList<>();
    for (long t = from + w; t <= to; t += w) {
      DriftReport drift = ws.drift(t);
      try {
        DriftReports.write(drift, RetrainCycle.cycleDir(ws, t));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot write the drift report of cycle " + Workspace.iso(t), e);
      }
      Workspace.Model challenger = ws.model(t - w);
      Map<String, Double> serving = new LinkedHashMap<>();
      Map<String, String> models = new LinkedHashMap<>();
      Decision gated = null;
      for (Map.Entry<String, Policy> e : policies.entrySet()) {
        Policy p = e.getValue();
        Map<String, Double> m = Gate.metrics(ws.scores(p.model, t - w, t));
        serving.put(e.getKey(), m.getOrDefault(metric, Double.NaN));
        models.put(e.getKey(), p.model.id());
        if (e.getKey().equals("gated")) {
          gated = p.model.id().equals(challenger.id()) ? null : Gate.decide(ws, t, p.model, p.atPromotion, challenger, drift);
        }
      }
      double chal = Gate.metrics(ws.scores(challenger, t - w, t)).getOrDefault(metric, Double.NaN);
      // move the champions for the next cycle
      policies.get("always").model = challenger;
      policies.get("always").atPromotion = chal;
      if (gated != null && gated.promoted()) {
        policies.get("gated").model = challenger;
        policies.get("gated").atPromotion = chal;
      }
      Cycle c = new Cycle(Workspace.iso(t), ws.scores(challenger, t - w, t).size(), drift.status().key(), drift.driftedShare(), drift.reasons(),
          gated == null || gated.prediction() == null ? null : gated.prediction().psi(),
          gated == null || gated.concept() == null ? null : gated.concept().status().key(), serving, models, chal, gated);
      cycles.add(c);
      listener.accept(c);
    }
    Map<String, Double> mean = new LinkedHashMap<>();
    for (String p : POLICIES) {
      mean.put(p, cycles.stream().mapToDouble(c -> c.serving().get(p)).filter(Double::isFinite).average().orElse(Double.NaN));
    }
    return new Result(Result.FORMAT, ws.config().name(), Workspace.iso(from), Workspace.iso(to), ws.config().window().every(), metric,
        List.copyOf(cycles), mean);
  }

  /** Writes {@code backtest.json} and {@code backtest.png} into {@code dir}. */
  public static void write(Result r, Path dir) throws IOException {
    Fs.mkdirs(dir);
    Fs.writeAtomically(new Path(dir, FILE), Persisted.write(r, Result.FORMAT));
    Fs.writeAtomically(new Path(dir, PLOT), plot(r));
  }

  static byte[] plot(Result r) throws IOException {
    XYChart c = new XYChartBuilder().width(900).height(420).title(r.name() + ": serving model's " + r.metric() + " per window")
        .xAxisTitle("window end").yAxisTitle(r.metric()).build();
    c.getStyler().setChartBackgroundColor(Color.WHITE);
    c.getStyler().setPlotBackgroundColor(Color.WHITE);
    c.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
    c.getStyler().setDatePattern("yyyy-MM-dd");
    c.getStyler().setYAxisDecimalPattern("0.000");
    Color[] colors = {new Color(150, 150, 150), new Color(220, 120, 40), new Color(40, 100, 200)};
    int k = 0;
    for (String p : POLICIES) {
      List<Date> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (Cycle cy : r.cycles()) {
        double v = cy.serving().get(p);
        if (Double.isFinite(v)) {
          xs.add(Date.from(java.time.Instant.parse(cy.cycle())));
          ys.add(v);
        }
      }
      if (xs.isEmpty()) {
        continue;
      }
      XYSeries s = c.addSeries(String.format("%s (mean %.4f)", p, r.meanServing().get(p)), xs, ys);
      s.setMarker(SeriesMarkers.CIRCLE);
      s.setLineColor(colors[k]);
      s.setMarkerColor(colors[k]);
      k++;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG);
    return out.toByteArray();
  }
}
